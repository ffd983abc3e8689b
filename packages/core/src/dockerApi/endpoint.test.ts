// Where the engine is, decided from the environment and the docker CLI's own files, checked
// row by row against the real docker CLI: `docker context inspect` with the same HOME,
// DOCKER_CONFIG, DOCKER_HOST and DOCKER_CONTEXT names the same host (or fails too).
import { execa } from 'execa';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/cli.js';
import { makeCerts } from '../../../../test/helpers/tlsCerts.js';
import { resolveEndpoint } from './endpoint.js';

let t: ReturnType<typeof tempDir>;
let home: string;
let certs: string;
let pem: (f: string) => string;

// The docker CLI's answer for the same environment: its host, its TLS files, or its failure.
async function dockerCli(
  env: Record<string, string>,
): Promise<{ ok: boolean; host: string; tls: string[]; skip: boolean; err: string }> {
  const r = await execa(
    'docker',
    [
      'context',
      'inspect',
      '--format',
      '{{.Endpoints.docker.Host}}|{{json .TLSMaterial}}|{{.Endpoints.docker.SkipTLSVerify}}',
    ],
    { env: { PATH: process.env.PATH!, ...env }, extendEnv: false, reject: false },
  );
  const [host = '', tls = '{}', skip = ''] = String(r.stdout).trim().split('|');
  return {
    ok: r.exitCode === 0,
    host,
    tls: (JSON.parse(tls || '{}') as { docker?: string[] }).docker ?? [],
    skip: skip === 'true',
    err: String(r.stderr),
  };
}

const docker = (env: Record<string, string>, ...args: string[]) =>
  execa('docker', args, { env: { PATH: process.env.PATH!, ...env }, extendEnv: false });

beforeAll(async () => {
  t = tempDir('pctl-endpoint-');
  home = path.join(t.dir, 'home');
  mkdirSync(path.join(home, '.docker'), { recursive: true });
  certs = path.join(t.dir, 'certs');
  mkdirSync(certs);
  await makeCerts(certs);
  pem = (f) => readFileSync(path.join(certs, f), 'utf8');
  // Contexts made by the docker CLI itself, in its own store format.
  const env = { HOME: home };
  await docker(env, 'context', 'create', 'plain', '--docker', 'host=tcp://10.1.2.3:2375');
  await docker(env, 'context', 'create', 'sock', '--docker', 'host=unix:///run/other/docker.sock');
  await docker(
    env,
    'context',
    'create',
    'tls',
    '--docker',
    `host=tcp://127.0.0.1:2376,ca=${certs}/ca.pem,cert=${certs}/cert.pem,key=${certs}/key.pem`,
  );
  await docker(env, 'context', 'create', 'insecure', '--docker', 'host=tcp://10.9.9.9:2376,skip-tls-verify=true');
  await docker(env, 'context', 'create', 'remote', '--docker', 'host=ssh://deploy@build.example:2222');
  // A second config folder (DOCKER_CONFIG) whose current context is "sock".
  await docker(
    { HOME: home, DOCKER_CONFIG: path.join(t.dir, 'cfg') },
    'context',
    'create',
    'sock',
    '--docker',
    'host=unix:///run/cfg/docker.sock',
  );
  await docker({ HOME: home, DOCKER_CONFIG: path.join(t.dir, 'cfg') }, 'context', 'use', 'sock');
}, 120_000);

afterAll(() => t?.cleanup());

describe('resolveEndpoint, as the docker CLI resolves it', () => {
  const rows: [string, () => Record<string, string>, () => Record<string, unknown>][] = [
    [
      'nothing set: the default socket',
      () => ({}),
      () => ({ kind: 'unix', socketPath: '/var/run/docker.sock', describe: 'unix:///var/run/docker.sock' }),
    ],
    [
      'DOCKER_HOST empty: the default socket',
      () => ({ DOCKER_HOST: '' }),
      () => ({ kind: 'unix', socketPath: '/var/run/docker.sock' }),
    ],
    [
      'DOCKER_HOST unix',
      () => ({ DOCKER_HOST: 'unix:///tmp/x/docker.sock' }),
      () => ({ kind: 'unix', socketPath: '/tmp/x/docker.sock', describe: 'unix:///tmp/x/docker.sock' }),
    ],
    [
      'DOCKER_HOST unix:// alone: the default socket',
      () => ({ DOCKER_HOST: 'unix://' }),
      () => ({ kind: 'unix', socketPath: '/var/run/docker.sock' }),
    ],
    [
      'DOCKER_HOST tcp',
      () => ({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }),
      () => ({ kind: 'tcp', host: '10.0.0.5', port: 2375 }),
    ],
    [
      'DOCKER_HOST tcp without a port',
      () => ({ DOCKER_HOST: 'tcp://10.0.0.5' }),
      () => ({ kind: 'tcp', host: '10.0.0.5', port: 2375 }),
    ],
    [
      'DOCKER_HOST host:port without a scheme is tcp',
      () => ({ DOCKER_HOST: '10.0.0.5:4243' }),
      () => ({ kind: 'tcp', host: '10.0.0.5', port: 4243 }),
    ],
    [
      'DOCKER_HOST tcp + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH',
      () => ({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }),
      () => ({
        kind: 'tcp',
        host: '127.0.0.1',
        port: 2376,
        tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify: true },
      }),
    ],
    [
      'DOCKER_TLS_VERIFY=0 is on too (any value, as the docker CLI reads it)',
      () => ({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '0', DOCKER_CERT_PATH: certs }),
      () => ({ tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify: true } }),
    ],
    [
      'DOCKER_TLS without verify',
      () => ({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: certs }),
      () => ({ tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify: false } }),
    ],
    [
      'DOCKER_HOST ssh',
      () => ({ DOCKER_HOST: 'ssh://deploy@10.0.0.5:2222' }),
      () => ({ kind: 'ssh', ssh: { host: '10.0.0.5', user: 'deploy', port: 2222 } }),
    ],
    [
      'DOCKER_HOST wins over DOCKER_CONTEXT',
      () => ({ DOCKER_HOST: 'unix:///tmp/y.sock', DOCKER_CONTEXT: 'plain' }),
      () => ({ kind: 'unix', socketPath: '/tmp/y.sock' }),
    ],
    [
      'DOCKER_CONTEXT: a tcp context',
      () => ({ DOCKER_CONTEXT: 'plain' }),
      () => ({ kind: 'tcp', host: '10.1.2.3', port: 2375, describe: 'tcp://10.1.2.3:2375 (docker context "plain")' }),
    ],
    [
      'DOCKER_CONTEXT: a unix context',
      () => ({ DOCKER_CONTEXT: 'sock' }),
      () => ({ kind: 'unix', socketPath: '/run/other/docker.sock' }),
    ],
    [
      'DOCKER_CONTEXT: a context with TLS files',
      () => ({ DOCKER_CONTEXT: 'tls' }),
      () => ({
        kind: 'tcp',
        host: '127.0.0.1',
        port: 2376,
        tls: { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify: true },
      }),
    ],
    [
      'DOCKER_CONTEXT: skip-tls-verify',
      () => ({ DOCKER_CONTEXT: 'insecure' }),
      () => ({ kind: 'tcp', host: '10.9.9.9', tls: { verify: false } }),
    ],
    [
      'DOCKER_CONTEXT: an ssh context',
      () => ({ DOCKER_CONTEXT: 'remote' }),
      () => ({ kind: 'ssh', ssh: { host: 'build.example', user: 'deploy', port: 2222 } }),
    ],
    [
      'DOCKER_CONTEXT=default: the default socket',
      () => ({ DOCKER_CONTEXT: 'default' }),
      () => ({ kind: 'unix', socketPath: '/var/run/docker.sock' }),
    ],
    [
      'currentContext of DOCKER_CONFIG/config.json',
      () => ({ DOCKER_CONFIG: path.join(t.dir, 'cfg') }),
      () => ({ kind: 'unix', socketPath: '/run/cfg/docker.sock' }),
    ],
    [
      'DOCKER_CONTEXT over currentContext',
      () => ({ DOCKER_CONFIG: path.join(t.dir, 'cfg'), DOCKER_CONTEXT: 'default' }),
      () => ({ kind: 'unix', socketPath: '/var/run/docker.sock' }),
    ],
  ];
  for (const [name, env, want] of rows) {
    it(name, async () => {
      const e = { HOME: home, ...env() };
      const got = resolveEndpoint(e);
      expect(got).toMatchObject(want());
      const cli = await dockerCli(e);
      expect(cli.ok, cli.err).toBe(true);
      const host =
        got.kind === 'unix'
          ? `unix://${got.socketPath}`
          : got.kind === 'tcp'
            ? `tcp://${got.host}:${got.port}`
            : `ssh://${got.ssh!.user}@${got.ssh!.host}:${got.ssh!.port}`;
      expect(host).toBe(cli.host);
      const files = got.tls ? (['ca', 'cert', 'key'] as const).filter((k) => got.tls![k]).map((k) => `${k}.pem`) : [];
      expect(files).toEqual([...cli.tls].sort());
      expect(got.tls ? !got.tls.verify : false).toBe(cli.skip || (Boolean(e.DOCKER_TLS) && !e.DOCKER_TLS_VERIFY));
    });
  }

  const failures: [string, () => Record<string, string>, RegExp][] = [
    [
      'an unknown scheme',
      () => ({ DOCKER_HOST: 'http://10.0.0.5:2375' }),
      /^DOCKER_HOST is "http:\/\/10\.0\.0\.5:2375": unknown scheme "http:\/\/"/,
    ],
    [
      'a bad port',
      () => ({ DOCKER_HOST: 'tcp://10.0.0.5:99999' }),
      /^DOCKER_HOST is "tcp:\/\/10\.0\.0\.5:99999": port 99999 is not a port number/,
    ],
    [
      'a path after an ssh host',
      () => ({ DOCKER_HOST: 'ssh://127.0.0.1/var/run/docker.sock' }),
      /^DOCKER_HOST is .*: an ssh:\/\/ address takes no path/,
    ],
    [
      'DOCKER_TLS_VERIFY without ca.pem',
      () => ({
        DOCKER_HOST: 'tcp://127.0.0.1:2376',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: path.join(t.dir, 'nowhere'),
      }),
      /^DOCKER_TLS_VERIFY is set but DOCKER_CERT_PATH \(.*nowhere\) has no ca\.pem/,
    ],
    [
      'DOCKER_TLS_VERIFY, ca.pem in neither DOCKER_CERT_PATH nor ~/.docker',
      () => ({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1' }),
      /^DOCKER_TLS_VERIFY is set but .*home\/\.docker \(DOCKER_CERT_PATH is not set\) has no ca\.pem/,
    ],
    [
      'a context that does not exist',
      () => ({ DOCKER_CONTEXT: 'nosuch' }),
      /^docker context "nosuch" \(DOCKER_CONTEXT\) does not exist/,
    ],
  ];
  for (const [name, env, message] of failures) {
    it(`one error line for ${name}, where the docker CLI fails too`, async () => {
      const e = { HOME: home, ...env() };
      let err: unknown;
      try {
        resolveEndpoint(e);
      } catch (x) {
        err = x;
      }
      expect(err).toMatchObject({ code: 'DockerEndpointInvalid' });
      const line = (err as { oneLine(): string }).oneLine();
      expect(line).toMatch(message);
      expect(line).not.toContain('\n');
      expect(line).toMatch(/\((set|put|run|fix|point).*\)$/);
      // The docker CLI refuses the same environment (it fails when it would connect).
      const r = await execa('docker', ['version', '--format', '{{.Client.Version}}'], {
        env: { PATH: process.env.PATH!, ...e },
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      });
      expect(r.exitCode).not.toBe(0);
    });
  }

  it('a currentContext naming no context, and a config.json that is not JSON, are one line naming the file', () => {
    const dir = path.join(t.dir, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: 'gone' }));
    expect(() => resolveEndpoint({ HOME: home, DOCKER_CONFIG: dir })).toThrow(
      /^docker context "gone" \(currentContext in .*broken\/config\.json\) does not exist/,
    );
    writeFileSync(path.join(dir, 'config.json'), '{ not json');
    expect(() => resolveEndpoint({ HOME: home, DOCKER_CONFIG: dir })).toThrow(/broken\/config\.json is not valid JSON/);
    rmSync(dir, { recursive: true });
  });
});
