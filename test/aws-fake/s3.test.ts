// The fake's S3 judged by Debian's aws CLI (put/get/head/delete-object, list-object-versions)
// and by @aws-sdk/client-s3 (conditional writes and deletes, path-style and virtual-hosted
// addressing): what they print and refuse against the fake is what they do against S3.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { awsCli, awsCliEnv } from './awsCli.js';
import { type AwsFake, startAwsFake } from './index.js';

const REGION = 'eu-west-1';
const creds = { accessKeyId: 'AKIAFAKES3000000001', secretAccessKey: 's3/secret+KEY' };
let fake: AwsFake;
let dir: string;

beforeAll(async () => {
  fake = await startAwsFake({
    region: REGION,
    credentials: [creds],
    buckets: { 'st-versioned': { versioning: true }, 'st-plain': {} },
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-st-s3-'));
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const aws = (args: string[]) => awsCli(fake.endpoint, awsCliEnv(creds, REGION), args);
const ok = (r: { exitCode: number; stdout: string; stderr: string }) => {
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout ? (JSON.parse(r.stdout) as Record<string, any>) : {};
};

describe('aws s3api', () => {
  test('put, head, get, list versions and delete in a versioned bucket', async () => {
    const src = path.join(dir, 'a.json');
    writeFileSync(src, '{"v":1}\n');
    const put1 = ok(
      await aws([
        's3api',
        'put-object',
        '--bucket',
        'st-versioned',
        '--key',
        'shop/state.json',
        '--body',
        src,
        '--content-type',
        'application/json',
      ]),
    );
    expect(put1.ETag).toBe(`"${createHash('md5').update('{"v":1}\n').digest('hex')}"`);
    expect(put1.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    writeFileSync(src, '{"v":2}\n');
    const put2 = ok(
      await aws(['s3api', 'put-object', '--bucket', 'st-versioned', '--key', 'shop/state.json', '--body', src]),
    );
    expect(put2.VersionId).not.toBe(put1.VersionId);

    const head = ok(await aws(['s3api', 'head-object', '--bucket', 'st-versioned', '--key', 'shop/state.json']));
    expect(head).toMatchObject({ ETag: put2.ETag, ContentLength: 8, VersionId: put2.VersionId });

    const out = path.join(dir, 'out.json');
    const got = ok(
      await aws([
        's3api',
        'get-object',
        '--bucket',
        'st-versioned',
        '--key',
        'shop/state.json',
        '--version-id',
        put1.VersionId,
        out,
      ]),
    );
    expect(got).toMatchObject({ ETag: put1.ETag, VersionId: put1.VersionId, ContentType: 'application/json' });
    expect(readFileSync(out, 'utf8')).toBe('{"v":1}\n');

    const del = ok(await aws(['s3api', 'delete-object', '--bucket', 'st-versioned', '--key', 'shop/state.json']));
    expect(del).toMatchObject({ DeleteMarker: true, VersionId: expect.any(String) });
    const gone = await aws(['s3api', 'head-object', '--bucket', 'st-versioned', '--key', 'shop/state.json']);
    expect(gone.exitCode).toBe(254);
    expect(gone.stderr).toContain('(404) when calling the HeadObject operation: Not Found');
    const missing = await aws(['s3api', 'get-object', '--bucket', 'st-versioned', '--key', 'shop/state.json', out]);
    expect(missing.stderr.trim()).toBe(
      'An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.',
    );

    const versions = ok(await aws(['s3api', 'list-object-versions', '--bucket', 'st-versioned', '--prefix', 'shop/']));
    expect(versions.Versions.map((v: any) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([
      ['shop/state.json', put2.VersionId, false, 8],
      ['shop/state.json', put1.VersionId, false, 8],
    ]);
    expect(versions.DeleteMarkers).toEqual([
      expect.objectContaining({ Key: 'shop/state.json', VersionId: del.VersionId, IsLatest: true }),
    ]);
  });

  test('an unversioned bucket keeps one version, "null"; a missing bucket is NoSuchBucket', async () => {
    const src = path.join(dir, 'b.json');
    writeFileSync(src, 'one');
    ok(await aws(['s3api', 'put-object', '--bucket', 'st-plain', '--key', 'k', '--body', src]));
    writeFileSync(src, 'two');
    ok(await aws(['s3api', 'put-object', '--bucket', 'st-plain', '--key', 'k', '--body', src]));
    const versions = ok(await aws(['s3api', 'list-object-versions', '--bucket', 'st-plain']));
    expect(versions.Versions.map((v: any) => [v.Key, v.VersionId, v.IsLatest])).toEqual([['k', 'null', true]]);
    silentDelete(ok(await aws(['s3api', 'delete-object', '--bucket', 'st-plain', '--key', 'k'])));
    const r = await aws(['s3api', 'head-object', '--bucket', 'st-nope', '--key', 'k']);
    expect(r.exitCode).toBe(254);
    const g = await aws(['s3api', 'get-object', '--bucket', 'st-nope', '--key', 'k', path.join(dir, 'x')]);
    expect(g.stderr.trim()).toBe(
      'An error occurred (NoSuchBucket) when calling the GetObject operation: The specified bucket does not exist',
    );
  });

  test('a wrong secret is SignatureDoesNotMatch', async () => {
    const r = await awsCli(fake.endpoint, awsCliEnv({ ...creds, secretAccessKey: 'wrong' }, REGION), [
      's3api',
      'list-object-versions',
      '--bucket',
      'st-plain',
    ]);
    expect(r.stderr).toContain('(SignatureDoesNotMatch) when calling the ListObjectVersions operation');
  });
});

const silentDelete = (out: Record<string, any>) => expect(out).toEqual({});

describe('@aws-sdk/client-s3', () => {
  const client = (extra: ConstructorParameters<typeof S3Client>[0] = {}) =>
    new S3Client({ region: REGION, credentials: creds, endpoint: fake.endpoint, forcePathStyle: true, ...extra });
  const errOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return {
        name: (e as Error).name,
        status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
      };
    }
    throw new Error('expected a refusal');
  };

  test('If-None-Match: * creates once; If-Match replaces only the ETag it names; a conditional delete too', async () => {
    const s3 = client();
    const put = (extra: Record<string, string>) =>
      s3.send(new PutObjectCommand({ Bucket: 'st-versioned', Key: 'lock', Body: JSON.stringify(extra), ...extra }));
    const first = await put({ IfNoneMatch: '*' });
    expect(await errOf(put({ IfNoneMatch: '*' }))).toEqual({ name: 'PreconditionFailed', status: 412 });
    const second = await put({ IfMatch: first.ETag! });
    expect(await errOf(put({ IfMatch: first.ETag! }))).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect(await errOf(put({ IfMatch: '"0123"', Key: 'absent' }))).toEqual({ name: 'NoSuchKey', status: 404 });
    expect(
      await errOf(s3.send(new DeleteObjectCommand({ Bucket: 'st-versioned', Key: 'lock', IfMatch: first.ETag }))),
    ).toEqual({ name: 'PreconditionFailed', status: 412 });
    await s3.send(new DeleteObjectCommand({ Bucket: 'st-versioned', Key: 'lock', IfMatch: second.ETag }));
    expect(await errOf(s3.send(new GetObjectCommand({ Bucket: 'st-versioned', Key: 'lock' })))).toEqual({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(fake.calls.filter((c) => c.service === 's3').every((c) => c.accessKeyId === creds.accessKeyId)).toBe(true);
  });

  test('a conditional write still arriving when another commits is 409 ConditionalRequestConflict', async () => {
    const s3 = client();
    const first = await s3.send(new PutObjectCommand({ Bucket: 'st-plain', Key: 'race', Body: 'a', IfNoneMatch: '*' }));
    // A slow writer: its headers arrive, its body only after another write committed.
    const url = new URL(fake.endpoint);
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Hash } = await import('@smithy/hash-node');
    const signer = new SignatureV4({
      service: 's3',
      region: REGION,
      credentials: creds,
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
      applyChecksum: true,
    });
    const body = 'slow body';
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/st-plain/race',
      query: {},
      headers: {
        host: url.host,
        'if-match': first.ETag!,
        'content-length': String(body.length),
        'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
      },
      body,
    });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: 'PUT', path: '/st-plain/race', headers: signed.headers },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      // The fast writer commits while the slow one's body has not come.
      void s3
        .send(new PutObjectCommand({ Bucket: 'st-plain', Key: 'race', Body: 'b', IfMatch: first.ETag }))
        .then(() => req.end(body), reject);
    });
    const r = await answer;
    expect(r.status).toBe(409);
    expect(r.text).toContain('<Code>ConditionalRequestConflict</Code>');
    const now = await s3.send(new GetObjectCommand({ Bucket: 'st-plain', Key: 'race' }));
    expect(await now.Body!.transformToString()).toBe('b');
  });

  test('virtual-hosted addressing: the bucket in the host name', async () => {
    const port = new URL(fake.endpoint).port;
    // <bucket>.localhost resolves to this machine (RFC 6761) for the SDK through this agent.
    const agent = new http.Agent({
      lookup: ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) =>
        o?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never,
    });
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    const s3 = client({
      endpoint: `http://localhost:${port}`,
      forcePathStyle: false,
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    await s3.send(new PutObjectCommand({ Bucket: 'st-plain', Key: 'vh/key.json', Body: '{}' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'st-plain', Key: 'vh/key.json' }));
    expect(await got.Body!.transformToString()).toBe('{}');
    expect(fake.buckets().get('st-plain')!.objects.has('vh/key.json')).toBe(true);
  });
});
