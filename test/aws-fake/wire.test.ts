// What the fake puts on the wire, byte for byte where AWS's shape matters: the error
// envelope of each protocol, STS's XML and JSON forms, presigned URLs and their lifetimes,
// and the scope checks of the signature.
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AwsFake, startAwsFake } from './index.js';

const REGION = 'eu-central-1';
const creds = { accessKeyId: 'AKIAWIRE00000000001', secretAccessKey: 'wire-secret' };
let fake: AwsFake;
let host: string;

beforeAll(async () => {
  fake = await startAwsFake({
    accountId: '999988887777',
    region: REGION,
    credentials: [creds],
    clusters: { c1: { endpoint: 'https://127.0.0.1:46443', caData: 'Q0E=' } },
  });
  host = new URL(fake.endpoint).host;
});
afterAll(async () => fake.stop());

type Req = {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
};

function signer(service: string, region = REGION, credentials = creds) {
  return new SignatureV4({ service, region, sha256: Hash.bind(null, 'sha256'), credentials });
}

function httpRequest(r: Req): HttpRequest {
  return {
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: Number(host.split(':')[1]),
    query: {},
    ...r,
    headers: { host, ...r.headers },
  } as unknown as HttpRequest;
}

function urlOf(r: HttpRequest): string {
  const q = Object.entries(r.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${fake.endpoint}${r.path}${q ? `?${q}` : ''}`;
}

async function send(r: HttpRequest): Promise<{ status: number; headers: Headers; body: string }> {
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== 'host'));
  const res = await fetch(urlOf(r), { method: r.method, headers, body: r.body as string | undefined });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

const ecrCall = (op: string, body: object): Req => ({
  method: 'POST',
  path: '/',
  headers: {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${op}`,
  },
  body: JSON.stringify(body),
});
const stsCall: Req = {
  method: 'POST',
  path: '/',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: 'Action=GetCallerIdentity&Version=2011-06-15',
};

describe('error envelopes', () => {
  test('JSON 1.1: __type and message, application/x-amz-json-1.1', async () => {
    const r = await send(
      await signer('ecr').sign(httpRequest(ecrCall('DescribeRepositories', { repositoryNames: ['x1'] }))),
    );
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(r.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(r.body)).toEqual({
      __type: 'RepositoryNotFoundException',
      message: "The repository with name 'x1' does not exist in the registry with id '999988887777'",
    });
  });

  test('JSON 1.1 front-end errors carry the coral namespace', async () => {
    const r = await send(
      await signer('ecr', REGION, { ...creds, secretAccessKey: 'bad' }).sign(
        httpRequest(ecrCall('DescribeRepositories', {})),
      ),
    );
    expect(JSON.parse(r.body).__type).toBe('com.amazon.coral.service#InvalidSignatureException');
  });

  test('REST JSON: x-amzn-ErrorType header and a message body', async () => {
    const r = await send(await signer('eks').sign(httpRequest({ method: 'GET', path: '/clusters/nope' })));
    expect(r.status).toBe(404);
    expect(r.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(JSON.parse(r.body)).toEqual({ message: 'No cluster found for name: nope.', clusterName: null });
  });

  test('query: ErrorResponse XML with Type, Code, Message and RequestId', async () => {
    const r = await send(await signer('sts', REGION, { ...creds, secretAccessKey: 'bad' }).sign(httpRequest(stsCall)));
    expect(r.status).toBe(403);
    expect(r.headers.get('content-type')).toBe('text/xml');
    expect(r.body).toBe(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>SignatureDoesNotMatch</Code>
    <Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.</Message>
  </Error>
  <RequestId>${r.headers.get('x-amzn-requestid')}</RequestId>
</ErrorResponse>
`);
  });

  test('no signature at all: MissingAuthenticationToken in each protocol', async () => {
    const sts = await send(httpRequest(stsCall));
    const ecr = await send(httpRequest(ecrCall('DescribeRepositories', {})));
    const eks = await send(httpRequest({ method: 'GET', path: '/clusters/c1' }));
    expect([sts.status, sts.body.match(/<Code>(.*)<\/Code>/)?.[1]]).toEqual([403, 'MissingAuthenticationToken']);
    expect([ecr.status, JSON.parse(ecr.body).__type]).toEqual([
      400,
      'com.amazon.coral.service#MissingAuthenticationTokenException',
    ]);
    expect([eks.status, eks.headers.get('x-amzn-errortype')?.split(':')[0]]).toEqual([
      403,
      'MissingAuthenticationTokenException',
    ]);
  });
});

describe('signature scope', () => {
  test('another region is refused', async () => {
    const r = await send(await signer('ecr', 'us-west-1').sign(httpRequest(ecrCall('DescribeRepositories', {}))));
    expect(JSON.parse(r.body)).toEqual({
      __type: 'com.amazon.coral.service#InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'us-west-1'. ",
    });
  });

  test('an ECR call signed for another service is refused', async () => {
    const r = await send(await signer('eks').sign(httpRequest(ecrCall('DescribeRepositories', {}))));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toBe("Credential should be scoped to correct service: 'ecr'. ");
  });

  test('a signature without the host header is incomplete', async () => {
    const signed = await signer('ecr').sign(httpRequest(ecrCall('DescribeRepositories', {})), {
      unsignableHeaders: new Set(['host']),
    });
    const r = await send(signed);
    expect(JSON.parse(r.body).__type).toBe('com.amazon.coral.service#IncompleteSignatureException');
  });
});

describe('sts', () => {
  test('XML by default, JSON for Accept: application/json', async () => {
    const xml = await send(await signer('sts').sign(httpRequest(stsCall)));
    expect(xml.body).toContain('<Account>999988887777</Account>');
    expect(xml.body).toMatch(/^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
    const json = await send(
      await signer('sts').sign(
        httpRequest({ ...stsCall, headers: { ...stsCall.headers, accept: 'application/json' } }),
      ),
    );
    expect(JSON.parse(json.body).GetCallerIdentityResponse.GetCallerIdentityResult).toEqual({
      Account: '999988887777',
      Arn: 'arn:aws:iam::999988887777:user/pctl-test',
      UserId: fake.principal(creds.accessKeyId)!.userId,
    });
  });

  test('an unknown action or version', async () => {
    const r = await send(
      await signer('sts').sign(httpRequest({ ...stsCall, body: 'Action=GetCallerIdentity&Version=2010-01-01' })),
    );
    expect([r.status, r.body.match(/<Code>(.*)<\/Code>/)?.[1], r.body.match(/<Message>(.*)<\/Message>/)?.[1]]).toEqual([
      400,
      'InvalidAction',
      'Could not find operation GetCallerIdentity for version 2010-01-01',
    ]);
  });
});

describe('presigned URLs', () => {
  const presign = (service: string, r: Req, minutesAgo: number, expiresIn = 60) =>
    signer(service).presign(httpRequest(r), { expiresIn, signingDate: new Date(Date.now() - minutesAgo * 60_000) });
  const stsGet: Req = { method: 'GET', path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' } };

  test('STS: valid for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says', async () => {
    expect((await send(await presign('sts', stsGet, 14))).status).toBe(200);
    const old = await send(await presign('sts', stsGet, 16));
    expect(old.status).toBe(403);
    expect(old.body).toMatch(
      /<Code>SignatureDoesNotMatch<\/Code>\s*<Message>Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)<\/Message>/,
    );
  });

  test('other services: valid for X-Amz-Expires', async () => {
    const get: Req = { method: 'GET', path: '/clusters/c1' };
    expect((await send(await presign('eks', get, 0.5, 60))).status).toBe(200);
    const expired = await send(await presign('eks', get, 2, 60));
    expect([expired.status, expired.headers.get('x-amzn-errortype')?.split(':')[0]]).toEqual([
      403,
      'InvalidSignatureException',
    ]);
    expect(JSON.parse(expired.body).message).toMatch(/^Signature expired: /);
  });

  test('a presigned URL with a changed query is refused', async () => {
    const signed = await presign('sts', stsGet, 0);
    const r = await send({ ...signed, query: { ...signed.query, Version: '2011-06-16' } } as HttpRequest);
    expect(r.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
