// `pctl logs`, `exec` and `port-forward` on Kubernetes, end to end: the real CLI, the kind
// provider (`kind` faked on PATH), and the Kubernetes API test server with its Docker-backed
// kubelet, so pods really run on the Docker engine and pods/log, pods/exec and
// pods/portforward reach their processes. (aws and gcp reach the same skeleton code: their
// conformance runs in aws.test.ts and gcp.test.ts prove it through their own credentials.)
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kindProvider from '@pctl/provider-kind';
import { createTestContext, type ProviderV1 } from '@pctl/provider-kit';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { pctlBin, repoRoot, writeTree } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const CLUSTER = `kv-loop-${process.pid}`;
const STACK = 'kvloop';
const NS = `kvloop-${process.pid}`;
const TOKEN = `kv-token-${randomBytes(6).toString('hex')}`;
let server: KubeApiServer;
let env: Record<string, string>;
const stack = useStack({ prefix: 'kv-loop-' });

// `web` prints a line on each stream (and the secret), then ticks; `echo` (two pods) says
// hello and echoes port 7000 back.
function writeStack(mark = 'first'): void {
  const options = `{ cluster: ${CLUSTER}, namespace: ${NS}, rolloutTimeout: 60 }`;
  writeTree(stack.dir, {
    'pctl.yaml': `name: ${STACK}
services:
  web:
    image: busybox:latest
    command: 'echo "started ${mark}"; echo "to stderr" >&2; echo "token=$TOKEN"; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done'
    env: { TOKEN: "\${env:KV_TOKEN}", MARK: "${mark}" }
    provider: { name: kind, options: ${options} }
  echo:
    image: busybox:latest
    command: 'echo "echo up"; exec nc -ll -p 7000 -e cat'
    env: { MARK: "${mark}" }
    ports: ["7000"]
    scale: { replica: 2 }
    provider: { name: kind, options: ${options} }
`,
  });
}

const run = (args: string[], o: { input?: string } = {}) =>
  execa(process.execPath, [pctlBin, ...args], {
    cwd: stack.dir,
    reject: false,
    env: { ...env, NO_COLOR: '1' },
    ...(o.input !== undefined ? { input: o.input } : {}),
  });

// A pctl that keeps running (logs -f, port-forward), with its output as it comes.
function start(args: string[]) {
  const child = execa(process.execPath, [pctlBin, ...args], {
    cwd: stack.dir,
    reject: false,
    env: { ...env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

const pods = (service: string) =>
  server
    .list('Pod', NS)
    .filter((p) => p.metadata?.labels?.['pctl-service'] === `${STACK}-${service}` && !p.metadata?.deletionTimestamp)
    .map((p) => p.metadata!.name!)
    .sort();

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

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}`, runtime: 'docker', dockerNamePrefix: 'kv-loop' });
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: stack.path('kind.log'),
    PCTL_FAKE_KIND_STATE: stack.path('kind-clusters.json'),
    KV_TOKEN: TOKEN,
  };
  writeStack();
  const r = await run(['deploy']);
  expect(r.exitCode, r.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await server?.close();
});

describe('the inner loop on Kubernetes (kind, the Docker-backed kubelet)', () => {
  it('logs: every pod, prefixed, the secret masked; --tail, --timestamps, --since; --json', async () => {
    const [web] = pods('web');
    const r = await until('every pod printed its first lines', async () => {
      const x = await run(['logs']);
      return x.stdout.includes('token=') && x.stdout.split('echo up').length === 3 ? x : undefined;
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^web/${web} +\\| started first$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^web/${web} +\\| to stderr$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^web/${web} +\\| token=\\*\\*\\*$`, 'm'));
    expect(r.stdout).not.toContain(TOKEN);
    // Every replica: both pods of echo.
    for (const pod of pods('echo')) expect(r.stdout).toMatch(new RegExp(`^echo/${pod} +\\| echo up$`, 'm'));
    // --tail and --timestamps map to tailLines and timestamps.
    const tail = await run(['logs', 'web', '--tail', '1', '--timestamps']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
    expect(tail.stdout).toMatch(
      new RegExp(`^web/${web} \\| \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d+Z tick \\d+$`),
    );
    const logReqs = () => server.requests.filter((q) => q.path.endsWith('/log'));
    expect(logReqs().at(-1)!.query).toMatchObject({ tailLines: '1', timestamps: 'true' });
    // --since: only what came after (sinceTime); a time in the future shows nothing.
    const since = await run(['logs', 'web', '--since', new Date(Date.now() + 3_600_000).toISOString()]);
    expect([since.exitCode, since.stdout]).toEqual([0, '']);
    expect(logReqs().at(-1)!.query.sinceTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const json = await run(['logs', 'web', '--json']);
    const docs = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(docs.find((d) => d.line === 'to stderr')).toMatchObject({ service: 'web', replica: web, stream: 'stdout' });
    expect(docs.find((d) => d.line?.startsWith('token='))!.line).toBe('token=***');
    expect(docs.at(-1)).toMatchObject({ command: 'logs', ok: true });
  }, 180_000);

  it('logs --previous: the run before the last restart', async () => {
    const [web] = pods('web');
    const [id] = (
      await execa('docker', [
        'ps',
        '-q',
        '--filter',
        `label=${server.engineLabel}`,
        '--filter',
        `label=io.kubernetes.pod.name=${web}`,
        '--filter',
        'label=io.kubernetes.container.name=web',
      ])
    ).stdout.split('\n');
    await execa('docker', ['kill', id!]);
    await until('the container restarted', () => {
      const p = server.get('Pod', NS, web!) as {
        status?: { containerStatuses?: { restartCount?: number; state?: { running?: unknown } }[] };
      };
      const cs = p?.status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) > 0 && Boolean(cs?.state?.running);
    });
    const prev = await run(['logs', 'web', '--previous']);
    expect(prev.exitCode, prev.stderr).toBe(0);
    expect(prev.stdout).toMatch(new RegExp(`^web/${web} +\\| started first$`, 'm'));
    expect(server.requests.filter((q) => q.path.endsWith('/log')).at(-1)!.query.previous).toBe('true');
    // echo never restarted: nothing to show, said.
    const none = await run(['logs', 'echo', '--previous']);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('no pod of service echo has a restarted container');
  }, 180_000);

  it('exec: the exit code passes through, stdin and stdout byte for byte with -i, a TTY with -t', async () => {
    const code = await run(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect([code.exitCode, code.stdout, code.stderr]).toEqual([7, 'out', 'err']);
    // Every byte value through stdin and back (-i, the second pod of echo).
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(300_000)]);
    writeFileSync(stack.path('in.bin'), bytes);
    const back = await execa(process.execPath, [pctlBin, 'exec', '-i', 'echo', '--replica', '2', '--', 'cat'], {
      cwd: stack.dir,
      inputFile: stack.path('in.bin'),
      encoding: 'buffer',
      reject: false,
      env,
    });
    expect(back.exitCode).toBe(0);
    expect(Buffer.compare(Buffer.from(back.stdout as unknown as Uint8Array), bytes)).toBe(0);
    const q = server.requests.filter((x) => x.path.endsWith('/exec')).at(-1)!;
    expect(q.path).toContain(`/pods/${pods('echo')[1]}/exec`);
    // -t: a terminal in the container; without it, pipes.
    const tty = await run(['exec', '-t', 'web', '--', 'sh', '-c', 'tty; test -t 1 && echo terminal']);
    expect([tty.exitCode, tty.stdout]).toEqual([0, expect.stringMatching(/^\/dev\/pts\/\d+\r\nterminal$/)]);
    // Bad input: no such replica.
    const none = await run(['exec', 'echo', '--replica', '3', '--', 'true']);
    expect([none.exitCode, none.stderr]).toEqual([1, expect.stringContaining('service echo has no replica 3')]);
  }, 180_000);

  it('exec against an API server before v1.30 (v4.channel.k8s.io only): the exit code and every byte pass through', async () => {
    server.controls.setKubernetesVersion('v1.29.4');
    try {
      const code = await run(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
      expect([code.exitCode, code.stdout, code.stderr]).toEqual([7, 'out', 'err']);
      const q = server.requests.filter((x) => x.path.endsWith('/exec')).at(-1)!;
      expect(q.subprotocol).toBe('v4.channel.k8s.io');
      // Every byte value on stdout, decoded in the container (small: the command goes in the URL).
      const all = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4_000)]);
      const decode = `echo ${all.toString('base64')} | base64 -d`;
      const bytes = await execa(process.execPath, [pctlBin, 'exec', 'web', '--', 'sh', '-c', decode], {
        cwd: stack.dir,
        encoding: 'buffer',
        reject: false,
        env,
      });
      expect(bytes.exitCode).toBe(0);
      expect(Buffer.compare(Buffer.from(bytes.stdout as unknown as Uint8Array), all)).toBe(0);
      // (Real kubectl is not checked in this mode: against a server that refuses v5 it never
      // offers v4 over WebSocket, it falls back to SPDY/3.1, which this test server does not serve.)
    } finally {
      server.controls.setKubernetesVersion('v1.32.0');
    }
  }, 120_000);

  it('exec -t: the terminal size and its changes reach the container (resize channel)', async () => {
    const options = { cluster: CLUSTER, namespace: NS, rolloutTimeout: 60 };
    const prev = process.env.KUBECONFIG;
    const prevPath = process.env.PATH;
    Object.assign(process.env, {
      KUBECONFIG: env.KUBECONFIG,
      PATH: env.PATH,
      PCTL_FAKE_KIND_STATE: env.PCTL_FAKE_KIND_STATE,
      PCTL_FAKE_KIND_LOG: env.PCTL_FAKE_KIND_LOG,
    });
    try {
      const ctx = createTestContext({
        stack: STACK,
        cwd: stack.dir,
        services: { web: { image: 'busybox:latest', provider: { name: 'kind', options } } as never },
      });
      const entry = JSON.parse(readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8')).services?.[`${STACK}-web`];
      let text = '';
      const stdout = new Writable({
        write(c: Buffer, _e, done) {
          text += c.toString();
          done();
        },
      });
      const stdin = new PassThrough();
      let resized: ((s: { rows: number; columns: number }) => void) | undefined;
      const exec = (kindProvider as unknown as ProviderV1).exec!({
        ctx,
        key: `${STACK}-web`,
        entry,
        // Each line asks for the size (the first one may run before the size arrives); `q` ends it.
        command: ['sh', '-c', 'while read x; do [ "$x" = q ] && exit 0; stty size; done'],
        stdin,
        stdout,
        stderr: stdout,
        tty: { rows: 24, columns: 80, onResize: (l) => ((resized = l), () => (resized = undefined)) },
        signal: new AbortController().signal,
      });
      const sizeShows = (size: string) =>
        until(
          `the size ${size} in the container`,
          () => {
            stdin.write('\n');
            return text.includes(size);
          },
          { detail: () => text, intervalMs: 300 },
        );
      await sizeShows('24 80');
      resized!({ rows: 40, columns: 132 });
      await sizeShows('40 132');
      stdin.write('q\n');
      const r = await exec;
      expect(r.exitCode).toBe(0);
      const req = server.requests.filter((x) => x.path.endsWith('/exec')).at(-1)!;
      expect(req.query).toMatchObject({ tty: 'true', stdin: 'true', stderr: 'false' });
    } finally {
      process.env.KUBECONFIG = prev;
      process.env.PATH = prevPath;
    }
  }, 180_000);

  it('a rollout: logs -f picks up the new pods and says the old ones went away; port-forward keeps its port', async () => {
    const f = start(['logs', '-f', 'web', 'echo']);
    const pf = start(['port-forward', 'echo', ':7000']);
    const line = await until('the forward', () => /forwarding 127\.0\.0\.1:(\d+) -> echo\/(\S+):7000/.exec(pf.out()), {
      giveUpIf: () => (pf.child.exitCode !== null ? pf.err() : undefined),
    });
    const port = Number(line[1]);
    expect(pods('echo')).toContain(line[2]);
    const bytes = randomBytes(100_000);
    expect(Buffer.compare(await echoThrough(port, bytes), bytes)).toBe(0);
    // The port is taken now: a second forward to it says so by number.
    const taken = await run(['port-forward', 'echo', `${port}:7000`]);
    expect([taken.exitCode, taken.stderr]).toEqual([
      1,
      expect.stringContaining(`error: local port ${port} is already in use`),
    ]);
    await until('the running pods followed', () => /web\/\S+ +\| tick \d+/.test(f.out()), {
      giveUpIf: () => (f.child.exitCode !== null ? f.err() : undefined),
    });
    const [oldWeb] = pods('web');
    const oldEcho = pods('echo');
    writeStack('second');
    const d = await run(['deploy']);
    expect(d.exitCode, d.stderr).toBe(0);
    const [newWeb] = pods('web').filter((p) => p !== oldWeb);
    const newEcho = pods('echo').filter((p) => !oldEcho.includes(p));
    expect(newEcho).toHaveLength(2);
    await until(
      "the new pods' first lines",
      () =>
        new RegExp(`web/${newWeb} +\\| started second`).test(f.out()) &&
        newEcho.every((p) => new RegExp(`echo/${p} +\\| echo up`).test(f.out())),
      {
        detail: () => f.out() + f.err(),
      },
    );
    expect(f.err()).toMatch(new RegExp(`web/${newWeb} appeared: pod ${newWeb} started`));
    await until(
      'the old pods said gone',
      () => [oldWeb!, ...oldEcho].every((p) => new RegExp(`(web|echo)/${p} went away: pod ${p} `).test(f.err())),
      {
        detail: () => f.err(),
      },
    );
    // The same local port, now reaching a new pod.
    expect(Buffer.compare(await echoThrough(port, bytes), bytes)).toBe(0);
    const forwarded = server.requests.filter((q) => q.path.endsWith('/portforward')).at(-1)!;
    expect(newEcho.some((p) => forwarded.path.includes(`/pods/${p}/`))).toBe(true);
    for (const x of [f, pf]) {
      expect(x.child.exitCode).toBe(null);
      x.child.kill('SIGINT');
      expect((await x.child).exitCode).toBe(0);
    }
  }, 180_000);
  // Last: it closes the API server the other tests share.
  it('logs -f: the API server going away is said and ends the command with exit 1, never a hang', async () => {
    const f = start(['logs', '-f', 'web']);
    await until('the running pod followed', () => /web\/\S+ +\| tick \d+/.test(f.out()), {
      giveUpIf: () => (f.child.exitCode !== null ? f.err() : undefined),
    });
    await server.close();
    const ended = await until(
      'pctl logs -f to end',
      () => (f.child.exitCode !== null ? { code: f.child.exitCode } : undefined),
      { timeoutMs: 60_000, detail: () => f.err() },
    );
    expect(ended.code, f.err()).toBe(1);
    expect(f.err()).toMatch(/^error: following the logs of \S+ stopped: /m);
  }, 120_000);
});
