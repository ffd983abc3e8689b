// A private registry with a password, for real: Debian's docker-registry on 127.0.0.1 with
// htpasswd auth, an empty docker config, and a docker service on a "remote" host (a real
// sshd whose sessions talk to a second private engine), so pctl pushes (it never pushes
// for the local engine) and the host pulls. The password must never leak: not in the
// state file, not in output (even --verbose), not on any command line.
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctlWatchingArgv, tempDir, writeTree } from '../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { requireDocker } from '../helpers/docker.js';
import { testEngine, type TestEngine } from '../helpers/engine.js';
import { freePort, startSshd, type TestSshd } from '../helpers/sshd.js';

const STACK = 'regauth';
const USER = 'pctluser';
const PASSWORD = `Reg-${Math.random().toString(36).slice(2)}-s3cret`;
let tmp: ReturnType<typeof tempDir>;
let dir: string;
let dockerConfig: string;
let engine: TestEngine;
let registry: TestRegistry | undefined;
let sshd: TestSshd | undefined;
let regPort: number;
let sshPort: number;
let key: string;

const repo = () => `127.0.0.1:${regPort}/team`;
const stateFile = () => path.join(dir, `pctl.${STACK}.json`);
const state = () => JSON.parse(readFileSync(stateFile(), 'utf8'));
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));
const env = (password = PASSWORD) => ({ DOCKER_CONFIG: dockerConfig, REG_PASS: password });

async function tags(): Promise<string[]> {
  const r = await fetch(`http://127.0.0.1:${regPort}/v2/team/tags/list`, {
    headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
  });
  if (r.status === 404) return [];
  expect(r.status).toBe(200);
  return (((await r.json()) as { tags: string[] | null }).tags ?? []).sort();
}

const runWatched = (args: string[], password = PASSWORD) =>
  pctlWatchingArgv([...args, '--name', STACK], { cwd: dir, env: env(password) }, password);

const yaml = () => `name: ${STACK}
services:
  web:
    image: ./web
    command: httpd -f -p 8080 -h /www
    registry: { url: ${repo()}, username: ${USER}, password: "\${env:REG_PASS}" }
    provider:
      name: docker
      options: { host: 127.0.0.1, user: root, key: ${key}, port: ${sshPort} }
`;

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir();
  dir = path.join(tmp.dir, 'stack');
  dockerConfig = path.join(tmp.dir, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  mkdirSync(path.join(tmp.dir, 'ssh'), { recursive: true });
  regPort = await freePort();
  registry = await startRegistry(path.join(tmp.dir, 'registry'), regPort, USER, PASSWORD);
  // The registry wants the password.
  expect((await fetch(`http://127.0.0.1:${regPort}/v2/`)).status).toBe(401);
  engine = testEngine(path.join(tmp.dir, 'engine'), '10.233.0.0/16');
  await engine.start();
  sshd = await startSshd(path.join(tmp.dir, 'ssh'), engine.host);
  sshPort = sshd.port;
  key = sshd.key;
  writeTree(dir, {
    'pctl.yaml': yaml(),
    'web/Dockerfile': 'FROM busybox:latest\nCOPY index.html /www/index.html\n',
    'web/index.html': 'hello from the registry',
  });
}, 180_000);

afterAll(async () => {
  for (const ref of (
    await execa(
      'docker',
      ['images', '--filter', `reference=127.0.0.1:${regPort}/team`, '--format', '{{.Repository}}:{{.Tag}}'],
      { reject: false },
    )
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
  await Promise.all([registry?.stop(), sshd?.stop()]);
  await engine?.cleanup();
  tmp?.cleanup();
}, 120_000);

describe('a registry with a password', () => {
  it('logs in with --password-stdin, pushes the content tag, and the host pulls it', async () => {
    const r = await runWatched(['deploy', '--json', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr, '\nregistry log:\n', registry?.log(), '\nsshd log:\n', sshd?.log());
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'deployed' });
    const s = state()[`${STACK}-web`];
    expect(s.image).toMatch(new RegExp(`^127\\.0\\.0\\.1:${regPort}/team:[0-9a-f]{12}$`));
    const tag = s.image.split(':').pop();
    expect(await tags()).toEqual([tag]);
    expect(s.pushedByPctl).toBe(true);
    expect(s.builtByPctl).toBe(true);
    // The password went on stdin, never on a command line, into output or into state.
    expect(r.stderr).toContain(`$ docker login --username ${USER} --password-stdin -- 127.0.0.1:${regPort}`);
    // ... and the host's engine pulls it through the ssh forward, the credentials in the
    // request's X-Registry-Auth header (never in a route, a command line or the output).
    expect(r.stderr).toContain(
      `> POST /images/create?fromImage=${encodeURIComponent(`127.0.0.1:${regPort}/team:${tag}`)} (X-Registry-Auth) (on 127.0.0.1)`,
    );
    expect(r.stderr).not.toMatch(/\$ ssh .*docker (login|pull)/);
    expect(r.argvLeak).toEqual([]);
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(readFileSync(stateFile(), 'utf8')).not.toContain(PASSWORD);
    // The host got the image from the registry, not streamed, and runs it.
    expect(r.stderr).not.toContain('/images/load');
    const remote = (args: string[]) => execa('docker', args, { env: { DOCKER_HOST: engine.host } });
    expect(String((await remote(['image', 'inspect', '--format', '{{.Id}}', s.image])).stdout)).toMatch(/^sha256:/);
    expect(String((await remote(['inspect', '--format', '{{.State.Running}}', `${STACK}-web`])).stdout).trim()).toBe(
      'true',
    );
  });

  it('skips a redeploy with no change and pushes nothing', async () => {
    const before = await tags();
    const r = await runWatched(['deploy', '--json', '--verbose']);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-web`]: 'skipped' });
    expect(r.stderr).not.toMatch(/pushing |docker push|docker login/);
    expect(await tags()).toEqual(before);
    expect(state()[`${STACK}-web`].pushedByPctl).toBe(true);
  });

  // The state file keeps what it recorded; as for every failed deploy (docs/using/state.md,
  // docs/using/reliability.md) the entry only gains `pending: true`, so the next deploy resumes.
  it('fails with one line naming the registry and the fix on a wrong password, state kept', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const recorded = (e: Record<string, unknown>) => {
      const { pending: _p, destroyed: _d, updatedAt: _u, ...rest } = e;
      return rest;
    };
    const before = state();
    const tagsBefore = await tags();
    writeFileSync(path.join(dir, 'web/index.html'), 'changed, so there is something to push');
    for (const verbose of [false, true]) {
      const r = await runWatched(['deploy', ...(verbose ? ['--verbose'] : [])], wrong);
      expect(r.exitCode).toBe(1);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(
        `${STACK}-web: logging in to 127.0.0.1:${regPort} as ${USER} failed: the registry refused the username or password`,
      );
      expect(errors[0]).toContain('check registry.username and registry.password');
      expect(r.stderr).not.toMatch(/pushing |docker push/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      for (const out of [r.stdout, r.stderr, ...r.argvLeak]) expect(out).not.toContain(wrong);
      expect(r.argvLeak).toEqual([]);
      const after = state();
      expect(Object.keys(after)).toEqual(Object.keys(before));
      expect(recorded(after[`${STACK}-web`])).toEqual(recorded(before[`${STACK}-web`]));
      expect(after[`${STACK}-web`]).toMatchObject({ pushedByPctl: true, image: before[`${STACK}-web`].image });
      expect(readFileSync(stateFile(), 'utf8')).not.toContain(wrong);
    }
    expect(await tags()).toEqual(tagsBefore);
    writeFileSync(path.join(dir, 'web/index.html'), 'hello from the registry');
  });

  it("the local engine pulls a prebuilt image it lacks, as docker run does: with the docker config's login, or one line saying why not", async () => {
    const ref = `127.0.0.1:${regPort}/team/base:pull-${process.pid}`;
    const local = path.join(tmp.dir, 'pull');
    writeTree(local, {
      'pctl.yaml': `name: regpull\nservices:\n  box:\n    image: ${ref}\n    command: sleep 3600\n    provider: { name: docker }\n`,
    });
    const dockerEnv = { DOCKER_CONFIG: dockerConfig };
    const gone = async () => (await execa('docker', ['image', 'inspect', ref], { reject: false })).exitCode !== 0;
    await execa('docker', ['tag', 'busybox:latest', ref]);
    await execa('docker', ['login', '--username', USER, '--password-stdin', `127.0.0.1:${regPort}`], {
      input: PASSWORD,
      env: dockerEnv,
    });
    await execa('docker', ['push', '-q', ref], { env: dockerEnv });
    await execa('docker', ['rmi', ref]);
    expect(await gone()).toBe(true);
    try {
      const r = await pctlWatchingArgv(
        ['deploy', '--verbose'],
        { cwd: local, env: { DOCKER_CONFIG: dockerConfig } },
        PASSWORD,
      );
      if (r.exitCode !== 0) console.error(r.stderr);
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain(`pulling ${ref}`);
      expect(r.stderr).toContain('(X-Registry-Auth)');
      expect(r.argvLeak).toEqual([]);
      expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
      expect(await gone()).toBe(false);
      expect(
        (await pctlWatchingArgv(['destroy'], { cwd: local, env: { DOCKER_CONFIG: dockerConfig } }, PASSWORD)).exitCode,
      ).toBe(0);

      // Logged out: the engine's refusal, in one line naming the image.
      await execa('docker', ['logout', `127.0.0.1:${regPort}`], { env: dockerEnv });
      await execa('docker', ['rmi', ref]);
      const refused = await pctlWatchingArgv(
        ['deploy'],
        { cwd: local, env: { DOCKER_CONFIG: dockerConfig } },
        PASSWORD,
      );
      expect(refused.exitCode).toBe(1);
      const errors = refused.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`pulling ${ref}`);
      expect(errors[0]).toMatch(/no basic auth credentials|unauthorized|authentication required/i);
    } finally {
      await pctlWatchingArgv(['destroy'], { cwd: local, env: { DOCKER_CONFIG: dockerConfig } }, PASSWORD);
      await execa('docker', ['rmi', '-f', ref], { reject: false });
    }
  });
});
