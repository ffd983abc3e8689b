// The registry client against a loopback registry with token auth (as Docker Hub and Artifact
// Registry answer): the Bearer challenge, a multi-platform index, digests checked, errors in
// one line. The real docker-registry (Basic auth) is exercised by test/e2e/adopt-original-kube.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImage, RegistryApi, runSettings } from './registryApi.js';

const sha = (b: string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const config = JSON.stringify({
  architecture: 'arm64',
  os: 'linux',
  config: { Cmd: ['httpd'], Env: ['PATH=/bin'], Labels: { a: 'b' } },
  rootfs: { type: 'layers', diff_ids: ['sha256:aaa', 'sha256:bbb'] },
});
const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
  layers: [],
});
const index = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha(manifest),
      size: manifest.length,
      platform: { os: 'linux', architecture: 'arm64' },
    },
  ],
});
const TOKEN = 'the-bearer-token';
let server: Server;
let host: string;
let tamper = false;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${req.method} ${url.pathname} ${req.headers.authorization?.split(' ')[0] ?? '-'}`);
    if (url.pathname === '/token') {
      const ok =
        req.headers.authorization === `Basic ${Buffer.from('user:pass').toString('base64')}` &&
        url.searchParams.get('scope') === 'repository:team/app:pull';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      return res.end(
        ok ? JSON.stringify({ token: TOKEN }) : '{"errors":[{"code":"UNAUTHORIZED","message":"bad login"}]}',
      );
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, {
        'www-authenticate': `Bearer realm="http://${host}/token",service="test"`,
        'content-type': 'application/json',
      });
      return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    const docs: Record<string, [string, string]> = {
      '/v2/team/app/manifests/v1': [index, 'application/vnd.oci.image.index.v1+json'],
      [`/v2/team/app/manifests/${sha(manifest)}`]: [manifest, 'application/vnd.oci.image.manifest.v1+json'],
      [`/v2/team/app/blobs/${sha(config)}`]: [
        tamper ? config.replace('httpd', 'evil!') : config,
        'application/octet-stream',
      ],
    };
    const doc = docs[url.pathname];
    if (!doc) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    }
    res.writeHead(200, { 'content-type': doc[1], 'docker-content-digest': sha(doc[0]) });
    res.end(doc[0]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('RegistryApi', () => {
  it('reads an image of a multi-platform index through the token flow', async () => {
    const api = new RegistryApi({ host, credentials: { username: 'user', password: 'pass' } });
    const img = await api.image('team/app', 'v1', { os: 'linux', architecture: 'arm64' });
    expect(img).toEqual({
      digest: sha(manifest),
      os: 'linux',
      architecture: 'arm64',
      diffIds: ['sha256:aaa', 'sha256:bbb'],
      config: { Cmd: ['httpd'], Env: ['PATH=/bin'], Labels: { a: 'b' } },
    });
    // One challenge, one token, then the token is used for the rest.
    expect(seen.filter((s) => s.startsWith('GET /token'))).toHaveLength(1);
    expect(seen.at(-1)).toBe(`GET /v2/team/app/blobs/${sha(config)} Bearer`);
    expect(runSettings(img!.config)).toEqual({ Cmd: ['httpd'], Env: ['PATH=/bin'] });
  });

  it('is undefined for a missing tag or platform', async () => {
    const api = new RegistryApi({ host, credentials: { username: 'user', password: 'pass' } });
    expect(await api.image('team/app', 'v2')).toBeUndefined();
    expect(await api.image('team/app', 'v1', { os: 'linux', architecture: 'amd64' })).toBeUndefined();
  });

  it('refuses content that does not match its digest', async () => {
    tamper = true;
    try {
      await expect(
        new RegistryApi({ host, credentials: { username: 'user', password: 'pass' } }).image('team/app', 'v1', {
          architecture: 'arm64',
        }),
      ).rejects.toThrow(/does not match its digest/);
    } finally {
      tamper = false;
    }
  });

  it('says in one line when the login is refused, naming the registry and its hint', async () => {
    const api = new RegistryApi({
      host,
      credentials: { username: 'user', password: 'wrong' },
      label: 'Artifact Registry',
      forbiddenHint: 'check the role',
    });
    const e = await api.image('team/app', 'v1').catch((x: unknown) => x as Error & { code: string; hint?: string });
    expect(e).toMatchObject({ code: 'RegistryForbidden', hint: 'check the role' });
    expect(e.message).toBe(`Artifact Registry getting a registry token from ${host}: 401 UNAUTHORIZED: bad login`);
    expect(e.message).not.toContain('wrong');
  });

  it('says so when nothing answers', async () => {
    const e = await new RegistryApi({ host: '127.0.0.1:1' })
      .digest('a', 'b')
      .catch((x: unknown) => x as Error & { code: string });
    expect(e).toMatchObject({ code: 'RegistryUnreachable' });
  });

  it('parses references with a tag, a digest or neither', () => {
    expect(parseImage('r.io/a/b:1')).toEqual({ host: 'r.io', name: 'a/b', tag: '1' });
    expect(parseImage('127.0.0.1:5000/a:2')).toEqual({ host: '127.0.0.1:5000', name: 'a', tag: '2' });
    expect(parseImage('r.io/a@sha256:00ff')).toEqual({ host: 'r.io', name: 'a', tag: 'sha256:00ff' });
    expect(parseImage('r.io/a')).toEqual({ host: 'r.io', name: 'a', tag: 'latest' });
  });
});
