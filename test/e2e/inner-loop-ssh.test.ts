// `pctl logs`, `exec` and `port-forward` on a remote Docker host over ssh, for real: a real
// sshd on 127.0.0.1 whose sessions reach a second private engine. Logs and exec go through
// the one ssh connection's engine-socket forward; port-forward through a forward added to
// that same connection (no second ssh login).
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';
import {
  innerLoopScenarios,
  runIn,
  startPctl,
  writeInnerLoopStack,
  type InnerLoopSetup,
} from '../helpers/innerLoop.js';
import { forgetHostKey, startSshd, type TestSshd } from '../helpers/sshd.js';
import { until } from '../helpers/until.js';

const STACK = 'lg-ssh';
let tmp: ReturnType<typeof tempDir>;
let engine: TestEngine;
let sshd: TestSshd | undefined;

const setup: InnerLoopSetup = {
  stack: STACK,
  dir: () => path.join(tmp.dir, 'stack'),
  options: () => `{ host: 127.0.0.1, user: root, key: ${sshd!.key}, port: ${sshd!.port}, timeout: 60 }`,
  docker: async (args) => {
    const r = await execa('docker', args, { env: { DOCKER_HOST: engine.host }, reject: false });
    if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} (remote engine) failed: ${r.stderr}`);
    return String(r.stdout).trim();
  },
};
const logins = () =>
  sshd!
    .log()
    .split('\n')
    .filter((l) => /Accepted publickey/.test(l)).length;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir('lg-ssh-');
  engine = testEngine(path.join(tmp.dir, 'engine'), '10.246.0.0/16');
  await engine.start();
  sshd = await startSshd(path.join(tmp.dir, 'ssh'), engine.host);
  writeInnerLoopStack(setup);
  const r = await runIn(setup, ['deploy']);
  if (r.exitCode !== 0) console.error(r.stderr, '\nsshd log:\n', sshd.log());
  expect(r.exitCode, r.stderr).toBe(0);
  // The services run on the remote engine, not the shared one.
  expect(await setup.docker(['ps', '--filter', `label=pctl-stack=${STACK}`, '--format', '{{.Names}}'])).toContain(
    `${STACK}-web`,
  );
}, 240_000);

afterAll(async () => {
  for (const ref of (
    await execa('docker', ['images', '--filter', `reference=pctl-${STACK}-*`, '--format', '{{.Repository}}:{{.Tag}}'], {
      reject: false,
    })
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
  if (sshd) await forgetHostKey(sshd.port);
  await sshd?.stop();
  await engine?.cleanup();
  tmp?.cleanup();
}, 120_000);

describe('the inner loop on a remote host over ssh', () => {
  innerLoopScenarios(setup);

  it('port-forward opens no second ssh connection: every connection goes through the one pctl holds', async () => {
    const f = startPctl(setup, ['port-forward', 'echo', ':7000']);
    const line = await until('the forward', () => /forwarding 127\.0\.0\.1:(\d+) -> echo\/1:7000/.exec(f.out()), {
      giveUpIf: () => (f.child.exitCode !== null ? f.err() : undefined),
    });
    const before = logins();
    for (let i = 0; i < 3; i++) {
      const got = await new Promise<string>((resolve, reject) => {
        const s = net.connect(Number(line[1]), '127.0.0.1', () => s.write(`ping ${i}\n`));
        s.on('data', (b: Buffer) => (s.destroy(), resolve(b.toString())));
        s.on('error', reject);
      });
      expect(got).toBe(`ping ${i}\n`);
    }
    expect(logins()).toBe(before);
    f.child.kill('SIGINT');
    expect((await f.child).exitCode).toBe(0);
  }, 60_000);

  it('dev: a saved file reaches the remote containers, the ports are forwarded over the one connection, Ctrl-C leaves them running', async () => {
    const f = startPctl(setup, ['dev', 'web', 'echo']);
    const alive = { giveUpIf: () => (f.child.exitCode !== null ? f.err() : undefined), timeoutMs: 120_000 };
    await until('the ready line', () => f.err().includes('watching echo, web and pctl.yaml'), alive);
    const names = async () =>
      setup.docker(['ps', '--filter', `label=pctl-stack=${STACK}`, '--format', '{{.Names}} {{.ID}}']);
    const before = await names();
    // echo's port 7000 (published on the remote host only) is forwarded to 127.0.0.1:7000, when free here.
    await until('the forward', () => /-> echo\/\d:7000|port 7000 is already in use/.test(f.err()), alive);
    if (!f.err().includes('port 7000 is already in use')) {
      const got = await new Promise<string>((resolve, reject) => {
        const s = net.connect(7000, '127.0.0.1', () => s.write('through dev\n'));
        s.on('data', (b: Buffer) => (s.destroy(), resolve(b.toString())));
        s.on('error', reject);
      });
      expect(got).toBe('through dev\n');
    }
    writeFileSync(path.join(setup.dir(), 'app/hello.txt'), 'hello from dev\n');
    for (const c of [`${STACK}-web`, `${STACK}-echo-1`, `${STACK}-echo-2`])
      await until(
        `the synced file in ${c}`,
        async () => (await setup.docker(['exec', c, 'cat', '/hello.txt'])) === 'hello from dev',
        alive,
      );
    expect(await names()).toBe(before);
    f.child.kill('SIGINT');
    expect((await f.child).exitCode, f.err()).toBe(0);
    expect(await names()).toBe(before);
  }, 240_000);

  // Last: it stops the remote engine.
  it('logs -f: the engine going away is said and ends the command with exit 1, never a hang', async () => {
    const f = startPctl(setup, ['logs', '-f', 'web']);
    await until('the running replica followed', () => /web\/1 +\| tick \d+/.test(f.out()), {
      giveUpIf: () => (f.child.exitCode !== null ? f.err() : undefined),
    });
    await engine.stop('SIGTERM');
    const end = await until('pctl logs -f to end', () => (f.child.exitCode !== null ? f.child : undefined), {
      timeoutMs: 90_000,
      detail: () => f.err(),
    });
    expect((await end).exitCode, f.err()).toBe(1);
    expect(f.err()).toMatch(/^error: following the logs of lg-ssh-web stopped: .+/m);
  }, 150_000);
});
