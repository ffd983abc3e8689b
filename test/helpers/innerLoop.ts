// The inner-loop commands (`pctl logs`, `exec`, `port-forward`) end to end on one Docker
// engine, the local one or a remote host over ssh: the same scenarios, registered by each
// test file with where its stack runs.
import { execa, type ResultPromise } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Ajv } from 'ajv';
import { expect, it } from 'vitest';
import { pctl, pctlBin, repoRoot, writeTree } from './cli.js';
import { until } from './until.js';

export interface InnerLoopSetup {
  /** Stack name (prefixed `lg-`). */
  stack: string;
  /** The stack's folder. */
  dir(): string;
  /** `provider.options` of the services, as YAML flow text. */
  options(): string;
  /** `docker` with the arguments, on the engine the stack runs on. */
  docker(args: string[]): Promise<string>;
}

const envelope = new Ajv({ allErrors: true, strict: false }).compile(
  JSON.parse(readFileSync(path.join(repoRoot, 'schemas/pctl-output.schema.json'), 'utf8')),
);
const validEnvelope = (doc: unknown) => (envelope(doc) ? [] : envelope.errors);

export const TOKEN = `lg-token-${randomBytes(6).toString('hex')}`;

// The stack: `web` prints a line on each stream (and the secret), then ticks; `echo` (two
// replicas) echoes port 7000 back; `quiet` is a file-provider service (no inner-loop verbs).
export function writeInnerLoopStack(s: InnerLoopSetup, mark = 'first'): void {
  writeTree(s.dir(), {
    'pctl.yaml': `name: ${s.stack}
providers:
  file: ${path.join(path.dirname(pctlBin), '../../../examples/custom-provider/file-provider.mjs')}
services:
  web:
    image: ./app
    command: 'echo "started ${mark}"; echo "to stderr" >&2; echo "token=$TOKEN"; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done'
    env: { TOKEN: "\${env:LG_TOKEN}", MARK: "${mark}" }
    provider: { name: docker, options: ${s.options()} }
  echo:
    image: ./app
    command: 'exec nc -ll -p 7000 -e cat'
    env: { MARK: "${mark}" }
    ports: ["127.0.0.1::7000"]
    scale: { replica: 2 }
    provider: { name: docker, options: ${s.options()} }
  quiet:
    image: example/none:1
    provider: { name: file, options: { dir: out } }
`,
    'app/Dockerfile': 'FROM busybox:latest\nCOPY hello.txt /hello.txt\n',
    'app/hello.txt': 'hello\n',
  });
}

export const runIn = (s: InnerLoopSetup, args: string[], input?: string) =>
  pctl(args, { cwd: s.dir(), env: { LG_TOKEN: TOKEN }, input });

// A pctl that keeps running (logs -f, port-forward), with its output as it comes.
export function startPctl(
  s: InnerLoopSetup,
  args: string[],
): { child: ResultPromise; out: () => string; err: () => string } {
  const child = execa(process.execPath, [pctlBin, ...args], {
    cwd: s.dir(),
    reject: false,
    env: { NO_COLOR: '1', LG_TOKEN: TOKEN },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

// Sends bytes to a local port and resolves with what came back once as many arrived.
function echoThrough(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (b) => {
      got.push(b);
      if (Buffer.concat(got).length >= bytes.length) {
        socket.destroy();
        resolve(Buffer.concat(got));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${Buffer.concat(got).length} of ${bytes.length} bytes`)));
  });
}

// Registers the scenarios (the stack must be deployed by the caller's beforeAll).
export function innerLoopScenarios(s: InnerLoopSetup): void {
  it('logs: every replica, prefixed, each stream, the secret masked; --tail, --timestamps', async () => {
    await until('web printed its first lines', async () => (await runIn(s, ['logs', 'web'])).stdout.includes('token='));
    const r = await runIn(s, ['logs']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^web\/1 +\| started first$/m);
    expect(r.stdout).toMatch(/^web\/1 +\| to stderr$/m);
    expect(r.stdout).toMatch(/^web\/1 +\| token=\*\*\*$/m);
    expect(r.stdout).not.toContain(TOKEN);
    // Piped: no colour.
    expect(r.stdout).not.toContain('\u001b');
    const tail = await runIn(s, ['logs', 'web', '--tail', '1', '--timestamps']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
    expect(tail.stdout).toMatch(/^web\/1 \| \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z tick \d+$/);
    // The file-provider service cannot show logs: said, and skipped when not named.
    expect(r.stderr).toMatch(/provider file cannot show logs: skipped/);
  });

  it('logs --json: one object per line, then the envelope', async () => {
    const r = await runIn(s, ['logs', 'web', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const docs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lines = docs.slice(0, -1);
    expect(lines.find((l) => l.line === 'to stderr')).toMatchObject({
      service: 'web',
      replica: '1',
      stream: 'stderr',
      line: 'to stderr',
    });
    expect(lines.find((l) => l.line.startsWith('token='))!.line).toBe('token=***');
    for (const l of lines) expect(Object.keys(l)).toEqual(['service', 'replica', 'stream', 'time', 'line']);
    expect(docs.at(-1)).toMatchObject({ command: 'logs', ok: true, serviceNames: ['web'] });
    expect(validEnvelope(docs.at(-1))).toEqual([]);
    // exec --json: the command's output on stderr, the one document on stdout, its exit code kept.
    const exec = await runIn(s, ['exec', 'web', '--json', '--', 'sh', '-c', 'echo hi; exit 3']);
    expect(exec.exitCode).toBe(3);
    const doc = JSON.parse(exec.stdout);
    expect(doc).toMatchObject({
      command: 'exec',
      ok: false,
      service: 'web',
      replica: '1',
      exitCode: 3,
      error: { code: 'CommandFailed', exitCode: 3 },
    });
    expect(validEnvelope(doc)).toEqual([]);
    expect(exec.stderr).toContain('hi');
  });

  it('logs -f: follows, picks up the replica of a redeploy, says when one goes away, Ctrl-C stops it', async () => {
    const f = startPctl(s, ['logs', '-f', 'web', 'echo']);
    await until('the running replica followed', () => /web\/1 +\| tick \d+/.test(f.out()), {
      giveUpIf: () => (f.child.exitCode !== null ? f.err() : undefined),
    });
    writeInnerLoopStack(s, 'second');
    const d = await runIn(s, ['deploy', 'web']);
    expect(d.exitCode, d.stderr).toBe(0);
    await until("the new replica's first line", () => /web\/1 +\| started second/.test(f.out()), {
      detail: () => f.out() + f.err(),
    });
    // The old replica drains after the new one passed its gate (start-first): its line comes when its stream
    // ends, independently of the new replica's lines, so wait for it.
    await until(
      'the old replica said gone',
      () => /web\/1 went away: container \S+ \(\w+\) (exited with code \d+|removed)/.test(f.err()) || undefined,
      { detail: () => f.err() },
    );
    expect(f.err()).toMatch(/web\/1 appeared: container \S+ \(\w+\) started/);
    // A replica killed from outside: said, and the others go on.
    const echo2 = (
      await s.docker([
        'ps',
        '--filter',
        `label=pctl-stack=${s.stack}`,
        '--filter',
        `label=pctl-service=${s.stack}-echo`,
        '--format',
        '{{.Names}}',
      ])
    )
      .split('\n')
      .sort()
      .at(-1)!;
    await s.docker(['kill', echo2]);
    await until(
      'the killed replica said gone',
      () => /echo\/2 went away: container \S+ \(\w+\) exited with code 137/.test(f.err()),
      { detail: () => f.err() },
    );
    expect(f.child.exitCode).toBe(null);
    f.child.kill('SIGINT');
    const end = await f.child;
    expect(end.exitCode).toBe(0);
    await s.docker(['start', echo2]);
  }, 120_000);

  it('exec: the exit code passes through, output byte for byte, stdin with -i', async () => {
    const code = await runIn(s, ['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect([code.exitCode, code.stdout, code.stderr]).toEqual([7, 'out', 'err']);
    // `pctl exec x -- cat /bin/busybox > out` is the file.
    const out = path.join(s.dir(), 'busybox.out');
    const child = execa(process.execPath, [pctlBin, 'exec', 'web', '--', 'cat', '/bin/busybox'], {
      cwd: s.dir(),
      stdout: { file: out },
      reject: false,
      env: { LG_TOKEN: TOKEN },
    });
    expect((await child).exitCode).toBe(0);
    const sum = await runIn(s, ['exec', 'web', '--', 'sha256sum', '/bin/busybox']);
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(sum.stdout.split(' ')[0]);
    // Every byte value through stdin and back (with -i), and the same through a file.
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(300_000)]);
    writeFileSync(path.join(s.dir(), 'in.bin'), bytes);
    const cat = execa(process.execPath, [pctlBin, 'exec', '-i', 'echo', '--replica', '2', '--', 'cat'], {
      cwd: s.dir(),
      inputFile: path.join(s.dir(), 'in.bin'),
      encoding: 'buffer',
      reject: false,
      env: { LG_TOKEN: TOKEN },
    });
    const r = await cat;
    expect(r.exitCode).toBe(0);
    expect(Buffer.compare(Buffer.from(r.stdout as unknown as Uint8Array), bytes)).toBe(0);
    // -t: a terminal in the container (its line discipline turns \n into \r\n); without it, pipes.
    const tty = await runIn(s, ['exec', '-t', 'web', '--', 'sh', '-c', 'tty; test -t 1 && echo terminal']);
    expect([tty.exitCode, tty.stdout]).toEqual([0, expect.stringMatching(/^\/dev\/pts\/\d+\r\nterminal$/)]);
    const pipes = await runIn(s, ['exec', 'web', '--', 'sh', '-c', 'test -t 1 || echo pipe']);
    expect(pipes.stdout).toBe('pipe');
  }, 120_000);

  it("port-forward: the service's port by default, a free one with :REMOTE, bytes there and back", async () => {
    const f = startPctl(s, ['port-forward', 'echo', ':7000']);
    const line = await until('the forward', () => /forwarding 127\.0\.0\.1:(\d+) -> echo\/1:7000/.exec(f.out()), {
      giveUpIf: () => (f.child.exitCode !== null ? f.err() : undefined),
    });
    const port = Number(line[1]);
    const bytes = randomBytes(100_000);
    expect(Buffer.compare(await echoThrough(port, bytes), bytes)).toBe(0);
    // A redeploy replaces the containers: the local port stays open, the next connection reaches the new replica.
    writeInnerLoopStack(s, 'forwarded');
    const d0 = await runIn(s, ['deploy', 'echo']);
    expect(d0.exitCode, d0.stderr).toBe(0);
    expect(Buffer.compare(await echoThrough(port, bytes), bytes)).toBe(0);
    // The port is taken now: a second forward to it says so by number.
    const taken = await runIn(s, ['port-forward', 'echo', `${port}:7000`]);
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr).toContain(`error: local port ${port} is already in use`);
    f.child.kill('SIGINT');
    expect((await f.child).exitCode).toBe(0);
    // No port named: the service's own (7000), when free here.
    const d = startPctl(s, ['port-forward', 'echo', '--replica', '2']);
    await until('the default forward', () =>
      /forwarding 127\.0\.0\.1:7000 -> echo\/2:7000|error:/.test(f.out() + d.out() + d.err()),
    );
    if (!d.err().includes('error: local port 7000 is already in use')) {
      expect(d.out()).toContain('forwarding 127.0.0.1:7000 -> echo/2:7000');
      expect(Buffer.compare(await echoThrough(7000, bytes), bytes)).toBe(0);
      d.child.kill('SIGINT');
    }
    await d.child;
  }, 120_000);

  it('bad input: unknown service, missing --, no running replica, a provider without the verb', async () => {
    const unknown = await runIn(s, ['exec', 'ehco', '--', 'true']);
    expect([unknown.exitCode, unknown.stderr.trim().split('\n')[0]]).toEqual([
      2,
      'error: no service "ehco" in pctl.yaml (did you mean "echo"?) (services: web, echo, quiet)',
    ]);
    const logsUnknown = await runIn(s, ['logs', 'wbe']);
    expect(logsUnknown.exitCode).toBe(2);
    expect(logsUnknown.stderr).toContain('(did you mean "web"?)');
    const dashes = await runIn(s, ['exec', 'web', 'ls', '-l']);
    expect(dashes.exitCode).toBe(2);
    expect(dashes.stderr).toMatch(/error: put -- before the command: pctl exec web -- ls/);
    const cannot = await runIn(s, ['exec', 'quiet', '--', 'true']);
    expect([cannot.exitCode, cannot.stderr.split('\n')[0]]).toEqual([
      2,
      'error: provider file cannot exec (service quiet) (the docker, kind, aws and gcp providers can; see docs/using/dev.md)',
    ]);
    const web = (
      await s.docker(['ps', '-a', '--filter', `label=pctl-service=${s.stack}-web`, '--format', '{{.Names}}'])
    ).trim();
    await s.docker(['stop', '-t', '0', web]);
    const stopped = await runIn(s, ['exec', 'web', '--', 'true']);
    expect(stopped.exitCode).toBe(1);
    expect(stopped.stderr).toMatch(
      /error: no running replica of service web: its containers are exited \(pctl status shows/,
    );
    await s.docker(['start', web]);
  }, 60_000);
}
