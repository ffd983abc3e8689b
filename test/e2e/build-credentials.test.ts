// A base image in a private registry, for real: Debian's docker-registry on 127.0.0.1 with
// htpasswd auth. pctl builds through the engine's API, so it must hand the engine's BuildKit
// the credentials the docker CLI would (through the build's session, when BuildKit asks for
// a registry; the classic builder gets X-Registry-Config): from a credential helper named in
// the docker config's credHelpers (`docker-credential-<name> get`, the registry on stdin),
// and from `auths`. The helper here is a script; the real docker CLI pulling with it shows
// it speaks the helper protocol. The password never shows in output.
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { freePort } from '../helpers/sshd.js';

const STACK = 'buildcreds';
const USER = 'pctlbuilder';
const PASSWORD = `Base-${Math.random().toString(36).slice(2)}-s3cret`;
let tmp: ReturnType<typeof tempDir>;
let dir: string;
let registry: TestRegistry | undefined;
let regPort: number;
let bin: string;
let helperLog: string;

const base = () => `127.0.0.1:${regPort}/base/busybox:creds`;
const configDir = (name: string, config: object) => {
  const d = path.join(tmp.dir, `config-${name}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'config.json'), JSON.stringify(config));
  return d;
};
const build = (config: string, extra: string[] = []) =>
  pctl(['build', '--json', '--verbose', ...extra], {
    cwd: dir,
    env: { DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}` },
  });
const helperCalls = () => (existsSync(helperLog) ? readFileSync(helperLog, 'utf8').split('\n').filter(Boolean) : []);
const untagBase = () => execa('docker', ['rmi', '-f', base()], { reject: false });

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir();
  dir = path.join(tmp.dir, 'stack');
  bin = path.join(tmp.dir, 'bin');
  helperLog = path.join(tmp.dir, 'helper.log');
  mkdirSync(bin, { recursive: true });
  regPort = await freePort();
  registry = await startRegistry(path.join(tmp.dir, 'registry'), regPort, USER, PASSWORD);
  expect((await fetch(`http://127.0.0.1:${regPort}/v2/`)).status).toBe(401);
  // The base image goes into the registry with a login of its own, then leaves the engine.
  const setup = configDir('setup', {});
  await execa('docker', ['tag', 'busybox:latest', base()]);
  await execa('docker', ['--config', setup, 'login', '--username', USER, '--password-stdin', `127.0.0.1:${regPort}`], {
    input: PASSWORD,
  });
  await execa('docker', ['--config', setup, 'push', base()]);
  await untagBase();
  // A credential helper as docker-credential-helpers define them: `get`, the server on stdin, JSON out.
  writeFileSync(
    path.join(bin, 'docker-credential-pctltest'),
    `#!/bin/sh
[ "$1" = get ] || exit 1
read -r server || [ -n "$server" ]
echo "$server" >> '${helperLog}'
if [ "$server" = "127.0.0.1:${regPort}" ]; then
  printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}\\n' "$server"
else
  echo "credentials not found in native keychain"
  exit 1
fi
`,
  );
  chmodSync(path.join(bin, 'docker-credential-pctltest'), 0o755);
  writeTree(dir, {
    'pctl.yaml': `name: ${STACK}\nservices:\n  app:\n    image: ./app\n    provider: { name: docker }\n`,
    'app/Dockerfile': `FROM ${base()}\nCOPY hello.txt /hello.txt\n`,
    'app/hello.txt': 'built on a private base\n',
  });
}, 180_000);

afterAll(async () => {
  await untagBase();
  await removeStack(STACK);
  for (const ref of (
    await execa('docker', ['images', '--filter', `reference=pctl-${STACK}-*`, '--format', '{{.Repository}}:{{.Tag}}'], {
      reject: false,
    })
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
  await registry?.stop();
  tmp?.cleanup();
}, 120_000);

describe('base images from a registry with a password', () => {
  it('without credentials the engine cannot pull the base: one error line naming the image', async () => {
    const r = await build(configDir('none', {}));
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `building pctl-${STACK}-app:[0-9a-f]{12} failed: .*(no basic auth credentials|unauthorized|authentication required|401 Unauthorized)`,
      ),
    );
  });

  it('asks the credHelpers helper for the base image registry and builds', async () => {
    const config = configDir('helper', { credHelpers: { [`127.0.0.1:${regPort}`]: 'pctltest' } });
    // The real docker CLI accepts this helper: it pulls with it (then the base leaves again).
    const pulled = await execa('docker', ['--config', config, 'pull', base()], {
      env: { PATH: `${bin}:${process.env.PATH}` },
      reject: false,
    });
    expect(pulled.stderr).toBe('');
    expect(pulled.exitCode).toBe(0);
    await untagBase();
    writeFileSync(helperLog, '');
    const r = await build(config);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const [image] = JSON.parse(r.stdout).images;
    expect(image).toMatchObject({ service: 'app', built: true });
    expect(helperCalls()).toEqual([`127.0.0.1:${regPort}`]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
    expect((await execa('docker', ['run', '--rm', image.ref, 'cat', '/hello.txt'])).stdout).toBe(
      'built on a private base',
    );
    // BuildKit keeps the base in its own cache, not as an engine image: a forced rebuild
    // asks the registry for the tag's digest again, with the helper's credentials.
    const again = await build(config, ['--force-build']);
    expect(again.exitCode).toBe(0);
    expect(helperCalls()).toEqual([`127.0.0.1:${regPort}`, `127.0.0.1:${regPort}`]);
  });

  it('with DEBUG=* (the Node convention for library debug logs) no library prints the credentials, not even base64-encoded', async () => {
    await untagBase();
    const config = configDir('debug', { credHelpers: { [`127.0.0.1:${regPort}`]: 'pctltest' } });
    const r = await pctl(['build', '--json', '--force-build'], {
      cwd: dir,
      env: { DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}`, DEBUG: '*' },
    });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const out = `${r.stdout}${r.stderr}`;
    expect(out).not.toContain(PASSWORD);
    // The engine gets them in X-Registry-Config (base64 JSON): no header, and no base64 run
    // anywhere in the output that decodes to the password.
    expect(out).not.toMatch(/X-Registry-(Config|Auth)/i);
    for (const run of out.match(/[A-Za-z0-9+/_-]{24,}={0,2}/g) ?? []) {
      for (const form of [run, run.replace(/-/g, '+').replace(/_/g, '/')])
        expect(Buffer.from(form, 'base64').toString('latin1')).not.toContain(PASSWORD);
    }
  });

  it('takes the credentials of an auths entry of the docker config', async () => {
    await untagBase();
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const r = await build(configDir('auths', { auths: { [`127.0.0.1:${regPort}`]: { auth } } }), ['--force-build']);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).images).toEqual([expect.objectContaining({ service: 'app', built: true })]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
    const [image] = JSON.parse(r.stdout).images;
    expect((await execa('docker', ['run', '--rm', image.ref, 'cat', '/hello.txt'])).stdout).toBe(
      'built on a private base',
    );
  });
});
