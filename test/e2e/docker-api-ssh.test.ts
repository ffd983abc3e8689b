// A remote engine over ssh, for real: a real sshd on 127.0.0.1 whose sessions have a
// DOCKER_HOST pointing at a second private engine. engineFor opens ONE OpenSSH connection
// (a control master), forwards the engine socket the sessions name to a private local
// socket, and every API call goes through it; close() and process exit end it.
import { execa } from 'execa';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeEngines, createExec, engineError, engineFor, type PctlError, type SshTarget } from '@pctl/core';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';
import { freePort, startSshd, type TestSshd } from '../helpers/sshd.js';
import { until } from '../helpers/until.js';

let tmp: ReturnType<typeof tempDir>;
let engine: TestEngine;
let sshd: TestSshd;
let target: SshTarget;
const commands: string[] = [];
const ctx = { exec: createExec({ onCommand: (c) => commands.push(c) }) };

// The ssh control masters of this test's sshd that are running: their control paths (and pids).
async function masterProcs(port = sshd.port): Promise<{ pid: number; control: string }[]> {
  const ps = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return String(ps.stdout)
    .split('\n')
    .map((l) => /^\s*(\d+) (ssh -N -n -M -S (\S+) .*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && m[2]!.includes(`-p ${port} `))
    .map((m) => ({ pid: Number(m[1]), control: m[3]! }));
}
const masters = async () => (await masterProcs()).map((m) => m.control);
const logins = () =>
  sshd
    .log()
    .split('\n')
    .filter((l) => /Accepted publickey/.test(l)).length;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir('pctl-dockerapi-ssh-');
  engine = testEngine(path.join(tmp.dir, 'engine'), '10.237.0.0/16');
  await engine.start();
  sshd = await startSshd(path.join(tmp.dir, 'ssh'), engine.host);
  target = { host: '127.0.0.1', user: 'root', port: sshd.port, key: sshd.key };
}, 240_000);

afterAll(async () => {
  await closeEngines();
  await sshd?.stop();
  await engine?.cleanup();
  tmp?.cleanup();
}, 120_000);

describe('engineFor over ssh', () => {
  it('reaches the engine the ssh sessions name, with many API calls over one ssh connection', async () => {
    const before = logins();
    const remote = await engineFor(ctx, target);
    expect(await engineFor(ctx, target)).toBe(remote);
    expect(remote.where).toBe('host 127.0.0.1 over ssh');
    expect(remote.endpoint.describe).toBe(`ssh://root@127.0.0.1:${sshd.port} (${engine.host})`);
    // The second engine, not the shared one.
    expect((await remote.api.info()).DockerRootDir).toBe(path.join(tmp.dir, 'engine', 'data'));
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? remote.api.listContainers({ all: true })
          : i % 3 === 1
            ? remote.api.version()
            : remote.api.listImages(),
      ),
    );
    for (let i = 0; i < 10; i++) await remote.api.ping();
    expect(logins() - before).toBe(1);
    const running = await masters();
    expect(running).toHaveLength(1);
    expect(commands.filter((c) => c.startsWith('ssh -N -n -M '))).toHaveLength(1);
    expect(commands.some((c) => c.endsWith('127.0.0.1 printenv DOCKER_HOST'))).toBe(true);
    // close() ends the ssh process and removes its private folder.
    await closeEngines();
    expect(await masters()).toEqual([]);
    expect(existsSync(path.dirname(running[0]!))).toBe(false);
  });

  it('uses remoteSocket when given; no engine there is one line naming it', async () => {
    const good = await engineFor(ctx, { ...target, remoteSocket: engine.host.replace('unix://', '') });
    expect((await good.api.info()).DockerRootDir).toBe(path.join(tmp.dir, 'engine', 'data'));
    const missing = `${tmp.dir}/nothing.sock`;
    const e = await engineFor(ctx, { ...target, remoteSocket: missing }).catch((x: unknown) => x);
    const err = engineError(e, 'listing containers');
    expect(err.code).toBe('DockerUnavailable');
    expect(err.oneLine()).toMatch(
      new RegExp(
        `^listing containers: no Docker engine answers at ssh://root@127\\.0\\.0\\.1:${sshd.port} \\(unix://${missing}\\) \\(start Docker`,
      ),
    );
    await closeEngines();
    expect(await masters()).toEqual([]);
  });

  it('nothing listening on the ssh port is SshFailed, worded as the docker provider words it', async () => {
    const closed = await freePort();
    const err = (await engineFor(ctx, { ...target, port: closed }).catch((x: unknown) => x)) as PctlError;
    expect(err.code).toBe('SshFailed');
    expect(err.oneLine()).toBe(
      `cannot reach root@127.0.0.1:${closed} over ssh: ssh: connect to host 127.0.0.1 port ${closed}: Connection refused (check provider.options host, port, user and key, and that sshd runs there)`,
    );
    // engineError keeps it as it is.
    expect(engineError(err, 'starting web')).toBe(err);
  });

  it('a key sshd does not accept is SshFailed naming the refusal', async () => {
    const other = path.join(tmp.dir, 'other-key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const err = (await engineFor(ctx, { ...target, key: other }).catch((x: unknown) => x)) as PctlError;
    expect(err.code).toBe('SshFailed');
    expect(err.message).toMatch(
      new RegExp(`^cannot reach root@127\\.0\\.0\\.1:${sshd.port} over ssh: .*Permission denied \\(publickey\\)`),
    );
    await closeEngines();
    expect(await masters()).toEqual([]);
  });

  it('sudo: each connection runs `sudo -n docker system dial-stdio` over the one connection', async () => {
    const before = logins();
    const remote = await engineFor(ctx, { ...target, sudo: true, remoteSocket: engine.host.replace('unix://', '') });
    expect((await remote.api.info()).DockerRootDir).toBe(path.join(tmp.dir, 'engine', 'data'));
    await Promise.all(Array.from({ length: 8 }, () => remote.api.listContainers()));
    expect(logins() - before).toBe(1);
    await closeEngines();
    expect(await masters()).toEqual([]);
    // Without remoteSocket, sudo's docker uses root's default engine, and there is none here.
    const e = await engineFor(ctx, { ...target, sudo: true }).catch((x: unknown) => x);
    const err = engineError(e, 'listing containers');
    expect(err.code).toBe('DockerUnavailable');
    expect(err.oneLine()).toMatch(
      new RegExp(
        `^listing containers: no Docker engine answers at ssh://root@127\\.0\\.0\\.1:${sshd.port} \\(sudo docker system dial-stdio\\): .*/var/run/docker\\.sock.* \\(start Docker on that host`,
      ),
    );
    await closeEngines();
  });

  it('a dropped ssh connection is one SshFailed line, and the next engineFor connects again', async () => {
    const remote = await engineFor(ctx, target);
    await remote.api.ping();
    const [m] = await masterProcs();
    process.kill(m!.pid, 'SIGTERM');
    await until('the ssh master to exit', async () => (await masters()).length === 0, { intervalMs: 50 });
    // pctl learns of the exit a moment after ps does: the failure is SshFailed once it has.
    const failure = async () =>
      engineError(await remote.api.listContainers().catch((x: unknown) => x), 'listing containers', remote);
    let last: PctlError | undefined;
    const err = await until(
      'listing containers to fail with SshFailed',
      async () => ((last = await failure()).code === 'SshFailed' ? last : undefined),
      {
        intervalMs: 50,
        detail: () => `last failure: ${last?.code}: ${last?.oneLine()}`,
      },
    );
    expect(err.oneLine()).toMatch(
      new RegExp(
        `^listing containers: the ssh connection to root@127\\.0\\.0\\.1:${sshd.port} ended: .+ \\(check that the host and its sshd are up`,
      ),
    );
    const again = await engineFor(ctx, target);
    expect(again).not.toBe(remote);
    expect((await again.api.info()).DockerRootDir).toBe(path.join(tmp.dir, 'engine', 'data'));
    await closeEngines();
    expect(await masters()).toEqual([]);
  });

  it('DOCKER_HOST=ssh://: the key from ssh-agent, the same engine the docker CLI reaches with that DOCKER_HOST', async () => {
    const agentSock = path.join(tmp.dir, 'agent.sock');
    const agent = execa('ssh-agent', ['-D', '-a', agentSock], { reject: false });
    try {
      await until('ssh-agent to listen', () => existsSync(agentSock), {
        intervalMs: 50,
        giveUpIf: () => (agent.exitCode === null ? undefined : `ssh-agent exited with ${agent.exitCode}`),
      });
      await execa('ssh-add', [sshd.key], { env: { SSH_AUTH_SOCK: agentSock } });
      const env = { DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`, SSH_AUTH_SOCK: agentSock };
      const saved = { DOCKER_HOST: process.env.DOCKER_HOST, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };
      await closeEngines();
      Object.assign(process.env, env);
      let root: string;
      try {
        const local = await engineFor(ctx);
        expect(local.endpoint.kind).toBe('ssh');
        root = (await local.api.info()).DockerRootDir as string;
      } finally {
        for (const [k, v] of Object.entries(saved))
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        await closeEngines();
      }
      expect(root).toBe(path.join(tmp.dir, 'engine', 'data'));
      const cli = await execa('docker', ['info', '--format', '{{.DockerRootDir}}'], {
        env,
        reject: false,
        timeout: 60_000,
      });
      expect(cli.exitCode, cli.stderr).toBe(0);
      expect(cli.stdout.trim()).toBe(root);
    } finally {
      agent.kill();
      await agent;
    }
  });

  it('an interrupt while ssh connects stops it: Interrupted, no ssh left, and a later engineFor tries again', async () => {
    // A port that accepts connections and never says a word: ssh waits for the server's banner.
    const silent = net.createServer(() => undefined);
    let connected!: () => void;
    const reached = new Promise<void>((r) => (connected = r));
    silent.on('connection', () => connected());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const controller = new AbortController();
      const opening = engineFor({ ...ctx, signal: controller.signal }, { ...target, port }).catch((x: unknown) => x);
      await reached;
      controller.abort();
      const err = (await opening) as PctlError;
      expect(err.code).toBe('Interrupted');
      expect(err.message).toBe(`interrupted while connecting to root@127.0.0.1:${port} over ssh`);
      expect(await masterProcs(port)).toEqual([]);
      // Not remembered as the answer for this host: the next call connects again (and is interrupted again).
      const again = new AbortController();
      const second = engineFor({ ...ctx, signal: again.signal }, { ...target, port }).catch((x: unknown) => x);
      await new Promise<void>((r) => silent.once('connection', () => r()));
      again.abort();
      expect(((await second) as PctlError).code).toBe('Interrupted');
    } finally {
      silent.close();
      await closeEngines();
    }
  });

  it('the ssh process and its folder are gone when pctl exits without closing', async () => {
    const script = path.join(tmp.dir, 'exits.mjs');
    writeFileSync(
      script,
      `import { engineFor, createExec } from ${JSON.stringify(path.join(repoRoot, 'packages/core/dist/index.js'))};\n` +
        `const e = await engineFor({ exec: createExec() }, ${JSON.stringify(target)});\n` +
        `await e.api.ping();\nconsole.log('up');\nprocess.exit(0);\n`,
    );
    const r = await execa(process.execPath, [script], { reject: false });
    expect(r.stdout.trim(), r.stderr).toBe('up');
    expect(await masters()).toEqual([]);
  });
});
