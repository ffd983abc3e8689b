// The fake's SigV4 verification against a signer no one here wrote: requests signed (and
// presigned) by @smithy/signature-v4, sent over real HTTP by @smithy/node-http-handler, are
// accepted exactly when nothing signed was changed.
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { wireRequest } from './server.js';
import { canonicalUri, readClaim, signatureMatches, type WireRequest } from './sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const received: WireRequest[] = [];
let server: Server;
let port = 0;
const handler = new NodeHttpHandler();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(wireRequest(req, Buffer.concat(chunks)));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  handler.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

function signer(service: string, sessionToken?: string) {
  return new SignatureV4({
    service,
    region: 'eu-west-1',
    sha256: Hash.bind(null, 'sha256'),
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: SECRET, ...(sessionToken ? { sessionToken } : {}) },
  });
}

function request(r: Partial<HttpRequest>): HttpRequest {
  return {
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: '/',
    query: {},
    headers: { host: `127.0.0.1:${port}` },
    ...r,
  } as HttpRequest;
}

// Sends a request as the SDK does and returns it as the fake received it.
async function overTheWire(r: HttpRequest): Promise<WireRequest> {
  const before = received.length;
  const { response } = await handler.handle(r as never);
  await new Promise<void>((resolve) => {
    (response.body as NodeJS.ReadableStream).on('data', () => {}).on('end', () => resolve());
  });
  expect(received.length).toBe(before + 1);
  return received[before]!;
}

function verdict(w: WireRequest, secret = SECRET): boolean {
  const claim = readClaim(w);
  expect(claim).toBeDefined();
  return signatureMatches(w, claim!, secret);
}

const cases: [string, Partial<HttpRequest>][] = [
  [
    'a JSON 1.1 POST',
    {
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeImages',
      },
      body: '{"repositoryName":"web"}',
    },
  ],
  [
    'a REST path with an encoded space, unicode and a double slash',
    { method: 'GET', path: '/clusters/a%20b%C3%A9//c', body: undefined },
  ],
  ['a path with dot segments', { method: 'GET', path: '/a/./b/../c/', body: undefined }],
  [
    'a query with repeated keys, empty values and reserved characters',
    {
      method: 'GET',
      body: undefined,
      query: { b: ['2', '1', 'z z'], a: '', 'c~d': "it's (a) *test*/+=&", ü: 'ö' },
    },
  ],
  [
    'headers with inner runs of spaces and several values',
    { headers: { 'x-amz-meta-a': '  one   two  ', 'x-amz-meta-b': 'x,y' }, body: 'payload' },
  ],
  ['an unsigned payload', { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body: 'anything at all' }],
  [
    'a form-encoded STS call',
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    },
  ],
];

describe('signed by @smithy/signature-v4', () => {
  for (const [name, r] of cases) {
    test(`${name} verifies, and not with another secret`, async () => {
      const signed = await signer('ecr').sign(request({ ...r, headers: { host: `127.0.0.1:${port}`, ...r.headers } }));
      const w = await overTheWire(signed);
      expect(verdict(w)).toBe(true);
      expect(verdict(w, `${SECRET}x`)).toBe(false);
    });
  }

  test('with a session token', async () => {
    const w = await overTheWire(
      await signer('sts', 'FwoGZXIvYXdzEXAMPLE//token==').sign(
        request({ body: 'Action=GetCallerIdentity&Version=2011-06-15' }),
      ),
    );
    expect(readClaim(w)?.securityToken).toBe('FwoGZXIvYXdzEXAMPLE//token==');
    expect(verdict(w)).toBe(true);
  });

  test('presigned with a signed extra header (the EKS token shape)', async () => {
    const presigned = await signer('sts').presign(
      request({
        method: 'GET',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: `127.0.0.1:${port}`, 'x-k8s-aws-id': 'demo' },
        body: undefined,
      }),
      { expiresIn: 60 },
    );
    const w = await overTheWire(presigned);
    const claim = readClaim(w)!;
    expect(claim).toMatchObject({
      presigned: true,
      service: 'sts',
      region: 'eu-west-1',
      expires: 60,
      signedHeaders: ['host', 'x-k8s-aws-id'],
    });
    expect(verdict(w)).toBe(true);
    const otherCluster = { ...w, headers: new Map(w.headers).set('x-k8s-aws-id', ['other']) };
    expect(signatureMatches(otherCluster, claim, SECRET)).toBe(false);
  });
});

describe('tampering', () => {
  test('changing a signed part breaks the signature; an unsigned header does not', async () => {
    const signed = await signer('ecr').sign(
      request({
        path: '/x',
        query: { q: '1' },
        headers: { host: `127.0.0.1:${port}`, 'x-amz-target': 'T.Op' },
        body: '{"a":1}',
      }),
      { unsignableHeaders: new Set(['x-unsigned']) },
    );
    const w = await overTheWire({ ...signed, headers: { ...signed.headers, 'x-unsigned': 'v' } } as HttpRequest);
    expect(verdict(w)).toBe(true);
    const claim = readClaim(w)!;
    const variants: WireRequest[] = [
      { ...w, body: Buffer.from('{"a":2}') },
      { ...w, method: 'PUT' },
      { ...w, rawPath: '/y' },
      { ...w, rawQuery: 'q=2' },
      { ...w, headers: new Map(w.headers).set('x-amz-target', ['T.Other']) },
      { ...w, headers: new Map(w.headers).set('host', ['127.0.0.1:1']) },
    ];
    for (const v of variants) expect(signatureMatches(v, claim, SECRET)).toBe(false);
    expect(signatureMatches({ ...w, headers: new Map(w.headers).set('x-unsigned', ['changed']) }, claim, SECRET)).toBe(
      true,
    );
  });
});

test('canonical URI: segments encoded once more, dots and empty segments dropped', () => {
  expect(canonicalUri('/')).toBe('/');
  expect(canonicalUri('/clusters/a%20b')).toBe('/clusters/a%2520b');
  expect(canonicalUri('/a//b/./c/../d/')).toBe('/a/b/d/');
});
