// Registry credentials for X-Registry-Config from a docker config folder: credential
// helpers (credHelpers per registry, else credsStore) through the exec wrapper, else auths.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExec } from '../exec.js';
import { knownSecrets } from '../output/mask.js';
import { DOCKER_HUB } from './baseImages.js';
import { registryConfigFor } from './registryAuth.js';

let dir: string;
let saved: { config?: string; path?: string };
const exec = createExec();
const calls = () => readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean);

// A helper speaking the docker-credential-helpers protocol: `get`, the server on stdin, JSON out.
function helper(name: string, answers: Record<string, { Username: string; Secret: string }>) {
  const cases = Object.entries(answers)
    .map(([server, a]) => `  '${server}') echo '${JSON.stringify({ ServerURL: server, ...a })}' ;;`)
    .join('\n');
  const file = path.join(dir, 'bin', `docker-credential-${name}`);
  writeFileSync(
    file,
    `#!/bin/sh\nread -r s || [ -n "$s" ]\necho "${name} $1 $s" >> '${dir}/calls.log'\ncase "$s" in\n${cases}\n  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n`,
  );
  chmodSync(file, 0o755);
}
const config = (c: object) => writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-regauth-'));
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'calls.log'), '');
  saved = { config: process.env.DOCKER_CONFIG, path: process.env.PATH };
  process.env.DOCKER_CONFIG = dir;
  process.env.PATH = `${path.join(dir, 'bin')}:${process.env.PATH}`;
  helper('store', {
    [DOCKER_HUB]: { Username: 'hubuser', Secret: 'hub-secret-1' },
    'ghcr.io': { Username: '<token>', Secret: 'ghcr-token-2' },
  });
  helper('ecr', { '123.dkr.ecr.eu-west-1.amazonaws.com': { Username: 'AWS', Secret: 'ecr-secret-3' } });
});
afterAll(() => {
  process.env.DOCKER_CONFIG = saved.config;
  process.env.PATH = saved.path;
  if (saved.config === undefined) delete process.env.DOCKER_CONFIG;
  rmSync(dir, { recursive: true, force: true });
});

describe('registryConfigFor', () => {
  it('asks credHelpers for its registry and credsStore for the others, only for the registries asked', async () => {
    config({
      credsStore: 'store',
      credHelpers: { '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr' },
      auths: { 'quay.io': { auth: Buffer.from('q:quay-secret-4').toString('base64') } },
    });
    writeFileSync(path.join(dir, 'calls.log'), '');
    const r = await registryConfigFor({
      exec,
      registries: [DOCKER_HUB, 'ghcr.io', '123.dkr.ecr.eu-west-1.amazonaws.com', 'nothing.example'],
    });
    expect(r).toEqual({
      [DOCKER_HUB]: { username: 'hubuser', password: 'hub-secret-1', serveraddress: DOCKER_HUB },
      'ghcr.io': { identitytoken: 'ghcr-token-2', serveraddress: 'ghcr.io' },
      '123.dkr.ecr.eu-west-1.amazonaws.com': {
        username: 'AWS',
        password: 'ecr-secret-3',
        serveraddress: '123.dkr.ecr.eu-west-1.amazonaws.com',
      },
    });
    expect(calls().sort()).toEqual([
      'ecr get 123.dkr.ecr.eu-west-1.amazonaws.com',
      'store get ghcr.io',
      `store get ${DOCKER_HUB}`,
      'store get nothing.example',
    ]);
    // What a helper answered is a secret from then on: masked in any output.
    expect(knownSecrets()).toEqual(expect.arrayContaining(['hub-secret-1', 'ghcr-token-2', 'ecr-secret-3']));
  });

  it('takes auths entries (base64 user:password, any spelling of Docker Hub) when no helper answers', async () => {
    config({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('me:hub-pass-5').toString('base64') },
        'http://registry.example:5000/v2/': { username: 'u', password: 'reg-pass-6' },
      },
    });
    expect(await registryConfigFor({ exec, registries: [DOCKER_HUB, 'registry.example:5000'] })).toEqual({
      [DOCKER_HUB]: { username: 'me', password: 'hub-pass-5', serveraddress: DOCKER_HUB },
      'registry.example:5000': { username: 'u', password: 'reg-pass-6', serveraddress: 'registry.example:5000' },
    });
  });

  it('with all, covers every configured registry; a helper name that is not a plain name runs nothing', async () => {
    config({
      credHelpers: { 'ghcr.io': '../../bin/sh', '123.dkr.ecr.eu-west-1.amazonaws.com': 'ecr' },
      auths: { 'quay.io': { auth: Buffer.from('q:quay-secret-4').toString('base64') } },
    });
    writeFileSync(path.join(dir, 'calls.log'), '');
    const r = await registryConfigFor({ exec, registries: [], all: true });
    expect(Object.keys(r).sort()).toEqual(['123.dkr.ecr.eu-west-1.amazonaws.com', 'quay.io']);
    expect(calls()).toEqual(['ecr get 123.dkr.ecr.eu-west-1.amazonaws.com']);
  });

  it('is empty without a docker config, or with one that is not JSON', async () => {
    rmSync(path.join(dir, 'config.json'), { force: true });
    expect(await registryConfigFor({ exec, registries: [DOCKER_HUB], all: true })).toEqual({});
    writeFileSync(path.join(dir, 'config.json'), '{not json');
    expect(await registryConfigFor({ exec, registries: [DOCKER_HUB] })).toEqual({});
  });
});
