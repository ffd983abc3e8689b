import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadStack } from '../../config/load.js';
import { decodeState, encodeState } from './envelope.js';
import { stateBackend } from './index.js';
import { LocalBackend } from './local.js';
import { parseStateUrl } from './url.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-st-backend-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('--state URL', () => {
  it('reads s3 URLs with their options, file paths and file:// URLs', () => {
    expect(
      parseStateUrl(
        's3://acme-state/shop/pctl.shop.json?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A9000&usePathStyle=true',
      ),
    ).toEqual({
      backend: 's3',
      bucket: 'acme-state',
      key: 'shop/pctl.shop.json',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      usePathStyle: true,
    });
    expect(parseStateUrl('s3://acme-state')).toEqual({ backend: 's3', bucket: 'acme-state' });
    expect(parseStateUrl('gs://acme_state/shop/pctl.shop.json?endpoint=http%3A%2F%2F127.0.0.1%3A4443')).toEqual({
      backend: 'gcs',
      bucket: 'acme_state',
      object: 'shop/pctl.shop.json',
      endpoint: 'http://127.0.0.1:4443',
    });
    expect(parseStateUrl('gs://acme-state')).toEqual({ backend: 'gcs', bucket: 'acme-state' });
    expect(parseStateUrl('kubernetes://pctl-state?context=arn%3Aaws%3Aeks%3Aeu-west-1%3A1%3Acluster%2Fshop')).toEqual({
      backend: 'kubernetes',
      namespace: 'pctl-state',
      context: 'arn:aws:eks:eu-west-1:1:cluster/shop',
    });
    expect(parseStateUrl('k8s://')).toEqual({ backend: 'kubernetes' });
    expect(parseStateUrl('kubernetes://?context=kind-dev')).toEqual({ backend: 'kubernetes', context: 'kind-dev' });
    expect(parseStateUrl('./state/pctl.x.json')).toEqual({ backend: 'local', path: './state/pctl.x.json' });
    expect(parseStateUrl('file:///tmp/a%20b.json')).toEqual({ backend: 'local', path: '/tmp/a b.json' });
  });

  it.each([
    ['s3://acme-state/k?regoin=eu-west-1', /unknown option regoin/],
    ['s3://Acme_State/k', /bucket: must be an S3 bucket name/],
    ['s3://acme-state/k?usePathStyle=yes', /usePathStyle must be true or false/],
    ['s3://acme-state/k?region=mars', /region: must be an AWS region/],
    ['ftp://x/y', /unknown scheme ftp/],
    ['gs://Acme/object', /bucket: must be a Cloud Storage bucket name/],
    ['gs://acme-state/o?region=eu-west-1', /unknown option region/],
    ['kubernetes://Pctl_State', /namespace: must be a namespace name/],
    ['kubernetes://ns/pctl-state-shop', /not a kubernetes:\/\/namespace URL/],
    ['kubernetes://ns?contxt=kind-dev', /unknown option contxt/],
  ])('refuses %s with one line and exit 2', (url, message) => {
    let err: { code?: string; exitCode?: number; message?: string } = {};
    try {
      parseStateUrl(url);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err).toMatchObject({ code: 'StateUrlInvalid', exitCode: 2, message: expect.stringMatching(message) });
    expect(err.message).not.toContain('\n');
  });

  it('replaces the stack file block; the default is the local pctl.<stack>.json', () => {
    expect(stateBackend({ cwd: dir, stack: 'st-a' }).where).toBe(path.join(dir, 'pctl.st-a.json'));
    expect(stateBackend({ cwd: dir, stack: 'st-a', config: { backend: 's3', bucket: 'b-1' } }).where).toBe(
      's3://b-1/pctl.st-a.json',
    );
    expect(
      stateBackend({ cwd: dir, stack: 'st-a', config: { backend: 's3', bucket: 'b-1' }, url: 's3://b-2/x.json' }).where,
    ).toBe('s3://b-2/x.json');
    expect(stateBackend({ cwd: dir, stack: 'st-a', config: { backend: 'gcs', bucket: 'g-1' } }).where).toBe(
      'gs://g-1/pctl.st-a.json',
    );
    expect(stateBackend({ cwd: dir, stack: 'st-a', url: 'gs://g-2/team/st-a.json' }).where).toBe(
      'gs://g-2/team/st-a.json',
    );
    expect(
      stateBackend({ cwd: dir, stack: 'st-a', config: { backend: 's3', bucket: 'b-1' }, url: 'kubernetes://ns-1' })
        .where,
    ).toBe('kubernetes://ns-1/secrets/pctl-state-st-a');
    expect(stateBackend({ cwd: dir, stack: 'st-a', config: { backend: 'local', path: 'sub/s.json' } }).where).toBe(
      path.join(dir, 'sub/s.json'),
    );
  });
});

describe('state: in the stack file', () => {
  const stack = (state: string) =>
    `name: st-cfg\nstate:\n${state}services:\n  api: { image: busybox, provider: { name: docker } }\n`;

  it('is strict: an unknown field is an issue with its line', async () => {
    writeFileSync(path.join(dir, 'pctl.yaml'), stack('  backend: s3\n  bucket: acme-state\n  bukket: typo\n'));
    const err = await loadStack({ configPath: 'pctl.yaml', cwd: dir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([{ path: 'state.bukket', line: 5, message: 'unknown field "bukket"' }]);
  });

  it('names the backends it knows', async () => {
    writeFileSync(path.join(dir, 'pctl.yaml'), stack('  backend: dynamo\n'));
    const err = (await loadStack({ configPath: 'pctl.yaml', cwd: dir, env: {} }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(err.issues[0]).toMatchObject({ path: 'state.backend', line: 3 });
  });

  it('takes a gcs block and refuses an s3 field in it', async () => {
    writeFileSync(path.join(dir, 'pctl.yaml'), stack('  backend: gcs\n  bucket: acme-state\n  object: shop/st.json\n'));
    const { config } = await loadStack({ configPath: 'pctl.yaml', cwd: dir, env: {} });
    expect(config.state).toEqual({ backend: 'gcs', bucket: 'acme-state', object: 'shop/st.json' });
    writeFileSync(path.join(dir, 'pctl.yaml'), stack('  backend: gcs\n  bucket: acme-state\n  key: shop/st.json\n'));
    const err = (await loadStack({ configPath: 'pctl.yaml', cwd: dir, env: {} }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(err.issues).toEqual([{ path: 'state.key', line: 5, message: 'unknown field "key"' }]);
  });

  it('resolves ${env:} in it', async () => {
    writeFileSync(
      path.join(dir, 'pctl.yaml'),
      stack('  backend: s3\n  bucket: ${env:ST_BUCKET}\n  key: shop/${env:ST_ENV}.json\n  region: eu-west-1\n'),
    );
    const { config } = await loadStack({
      configPath: 'pctl.yaml',
      cwd: dir,
      env: { ST_BUCKET: 'acme-state', ST_ENV: 'prod' },
    });
    expect(config.state).toEqual({ backend: 's3', bucket: 'acme-state', key: 'shop/prod.json', region: 'eu-west-1' });
  });
});

describe('local backend', () => {
  it('writes under the version it read, and refuses a write after someone else replaced the file', async () => {
    const file = path.join(dir, 'pctl.st-l.json');
    const b = new LocalBackend(file);
    const first = await b.read();
    expect(first).toEqual({ state: {}, version: undefined });
    const v1 = await b.write({ 'st-l-api': { provider: 'docker' } }, undefined);
    const v2 = await b.write({ 'st-l-api': { provider: 'docker', image: 'x' } }, v1);
    expect(v2).not.toBe(v1);
    // Another writer (no lock) replaces the file.
    writeFileSync(file, JSON.stringify({ 'st-l-web': { provider: 'docker' } }));
    await expect(b.write({ 'st-l-api': { provider: 'docker' } }, v2)).rejects.toMatchObject({ code: 'StateConflict' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'st-l-web': { provider: 'docker' } });
    // A first write where a file already exists is a conflict too.
    await expect(b.write({}, undefined)).rejects.toMatchObject({ code: 'StateConflict' });
  });
});

describe('the stored envelope', () => {
  it('round-trips, and refuses another stack, a newer format and garbage, saying it was left as it is', () => {
    const text = encodeState('st-e', { 'st-e-api': { provider: 'docker' } }, 's3://b/k');
    expect(decodeState(text, 'st-e', 's3://b/k')).toEqual({ 'st-e-api': { provider: 'docker' } });
    expect(() => decodeState(text, 'st-other', 's3://b/k')).toThrow(
      expect.objectContaining({ code: 'StateInvalid', message: expect.stringContaining('belongs to stack "st-e"') }),
    );
    expect(() =>
      decodeState(JSON.stringify({ pctlStateFormat: 2, stack: 'st-e', state: {} }), 'st-e', 's3://b/k'),
    ).toThrow(expect.objectContaining({ code: 'StateTooNew' }));
    expect(() => decodeState('{"a":', 'st-e', 's3://b/k')).toThrow(
      expect.objectContaining({ code: 'StateCorrupt', message: expect.stringContaining('left as it is') }),
    );
    expect(() => decodeState('{"st-e-api":{"provider":"docker"}}', 'st-e', 's3://b/k')).toThrow(
      expect.objectContaining({ code: 'StateInvalid' }),
    );
    expect(() =>
      decodeState(
        JSON.stringify({ pctlStateFormat: 1, stack: 'st-e', state: { x: { image: 1 } } }),
        'st-e',
        's3://b/k',
      ),
    ).toThrow(expect.objectContaining({ code: 'StateInvalid' }));
  });
});

describe('local backend, unreadable files', () => {
  it("a symlink loop is store.ts's one-line StateUnreadable, not a raw ELOOP", async () => {
    const { symlinkSync } = await import('node:fs');
    const file = path.join(dir, 'pctl.st-loop.json');
    symlinkSync(file, file);
    await expect(new LocalBackend(file).read()).rejects.toMatchObject({
      code: 'StateUnreadable',
      message: `cannot read state file ${file}: a loop of symbolic links`,
    });
  });
});
