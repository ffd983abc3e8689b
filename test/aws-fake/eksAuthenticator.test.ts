// The Kubernetes API test server authenticating EKS tokens as aws-iam-authenticator does:
// a token from `aws eks get-token` gets in; another cluster's, an expired or a tampered one
// gets 401, each for the reason the real authenticator gives.
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';
import { AWS_CLI, awsCliEnv, type CliCredentials } from './awsCli.js';
import { type AwsFake, type EksAuthenticator, eksAuthenticator, startAwsFake } from './index.js';
import { execa } from 'execa';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const user = { accessKeyId: 'AKIAEKSUSER00000001', secretAccessKey: 'user-secret' };
const role = {
  accessKeyId: 'ASIAEKSROLE00000001',
  secretAccessKey: 'role-secret',
  sessionToken: 'FwoRoleSession',
  expiresAt: new Date(Date.now() + 3600_000),
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci-run-7`,
};
const lapsed = {
  accessKeyId: 'ASIAEKSLAPSED000001',
  secretAccessKey: 'lapsed-secret',
  sessionToken: 'FwoLapsed',
  expiresAt: new Date(Date.now() - 1000),
};
let fake: AwsFake;
let kube: KubeApiServer;
let auth: EksAuthenticator;

beforeAll(async () => {
  fake = await startAwsFake({ accountId: ACCOUNT, region: REGION, credentials: [user, role, lapsed] });
  auth = eksAuthenticator({ stsEndpoint: fake.endpoint, clusterId: 'demo' });
  kube = await startKubeApiServer({ contextName: 'eks-fake', tls: false, controllers: false, authenticate: auth });
});
afterAll(async () => {
  await kube?.close();
  await fake?.stop();
});

async function cliToken(cluster: string, creds: CliCredentials = user): Promise<string> {
  const r = await execa(AWS_CLI, ['eks', 'get-token', '--cluster-name', cluster, '--output', 'json'], {
    env: awsCliEnv(creds, REGION),
    extendEnv: false,
    stdin: 'ignore',
  });
  const cred = JSON.parse(String(r.stdout)) as { kind: string; status: { token: string; expirationTimestamp: string } };
  expect(cred.kind).toBe('ExecCredential');
  return cred.status.token;
}

// A token as the provider makes it: the SDK's signer presigning GetCallerIdentity.
async function sdkToken(opts: {
  cluster: string;
  host: string;
  protocol?: string;
  signingDate?: Date;
  signClusterId?: boolean;
}): Promise<string> {
  const signer = new SignatureV4({
    service: 'sts',
    region: REGION,
    sha256: Hash.bind(null, 'sha256'),
    credentials: user,
  });
  const req = {
    method: 'GET',
    protocol: opts.protocol ?? 'https:',
    hostname: opts.host.split(':')[0],
    port: opts.host.includes(':') ? Number(opts.host.split(':')[1]) : undefined,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: opts.host, 'x-k8s-aws-id': opts.cluster },
  } as unknown as HttpRequest;
  const signed = await signer.presign(req, {
    expiresIn: 60,
    signingDate: opts.signingDate,
    ...(opts.signClusterId === false ? { unsignableHeaders: new Set(['x-k8s-aws-id']) } : {}),
  });
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `k8s-aws-v1.${Buffer.from(`${opts.protocol ?? 'https:'}//${opts.host}/?${query}`).toString('base64url')}`;
}

function reencode(token: string, edit: (url: string) => string): string {
  const url = Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8');
  return `k8s-aws-v1.${Buffer.from(edit(url)).toString('base64url')}`;
}

async function status(token: string): Promise<number> {
  const r = await fetch(`${kube.url}/api/v1/namespaces`, { headers: { Authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
  return r.status;
}

// Status of a request with the token, and why the authenticator refused it if it did.
async function attempt(token: string): Promise<{ status: number; reason?: string; stsCalls: number }> {
  const rejections = auth.rejections.length;
  const calls = fake.calls.length;
  const s = await status(token);
  return {
    status: s,
    reason: auth.rejections[rejections],
    stsCalls: fake.calls.slice(calls).filter((c) => c.service === 'sts').length,
  };
}

describe('accepted', () => {
  test('a token from aws eks get-token for this cluster', async () => {
    const token = await cliToken('demo');
    expect(await attempt(token)).toEqual({ status: 200, reason: undefined, stsCalls: 1 });
    expect(auth.identities.at(-1)).toEqual({
      arn: `arn:aws:iam::${ACCOUNT}:user/pctl-test`,
      canonicalArn: `arn:aws:iam::${ACCOUNT}:user/pctl-test`,
      accountId: ACCOUNT,
      userId: fake.principal(user.accessKeyId)!.userId,
      sessionName: undefined,
      accessKeyId: user.accessKeyId,
      username: `arn:aws:iam::${ACCOUNT}:user/pctl-test`,
    });
    // The same token again: valid for 15 minutes, not for X-Amz-Expires' 60 seconds alone.
    expect((await attempt(token)).status).toBe(200);
  });

  test('an assumed role maps to its role ARN, the session name kept apart', async () => {
    expect((await attempt(await cliToken('demo', role))).status).toBe(200);
    expect(auth.identities.at(-1)).toMatchObject({
      arn: role.arn,
      canonicalArn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
      sessionName: 'ci-run-7',
    });
  });

  test("a token presigned by the SDK signer, for the real STS host or for the fake's own", async () => {
    expect((await attempt(await sdkToken({ cluster: 'demo', host: `sts.${REGION}.amazonaws.com` }))).status).toBe(200);
    expect(
      (await attempt(await sdkToken({ cluster: 'demo', host: new URL(fake.endpoint).host, protocol: 'http:' }))).status,
    ).toBe(200);
  });

  test('a token signed 14 minutes ago', async () => {
    expect(
      (
        await attempt(
          await sdkToken({
            cluster: 'demo',
            host: 'sts.amazonaws.com',
            signingDate: new Date(Date.now() - 14 * 60_000),
          }),
        )
      ).status,
    ).toBe(200);
  });
});

describe('refused with 401', () => {
  test('a token for another cluster: STS finds the signature wrong for this cluster id', async () => {
    const r = await attempt(await cliToken('other'));
    expect(r.status).toBe(401);
    expect(r.stsCalls).toBe(1);
    expect(r.reason).toMatch(
      /^error from AWS \(expected 200, got 403\) on sts\.eu-west-1\.amazonaws\.com endpoint\. Body: \{"Error":\{"Code":"SignatureDoesNotMatch",/,
    );
  });

  test('an expired token (signed 16 minutes ago), refused before STS is asked', async () => {
    const r = await attempt(
      await sdkToken({
        cluster: 'demo',
        host: `sts.${REGION}.amazonaws.com`,
        signingDate: new Date(Date.now() - 16 * 60_000),
      }),
    );
    expect(r).toMatchObject({ status: 401, stsCalls: 0 });
    expect(r.reason).toMatch(/^X-Amz-Date parameter is expired \(15 minute expiration\) \d{8}T\d{6}Z$/);
  });

  test('a tampered signature', async () => {
    const token = reencode(await cliToken('demo'), (url) =>
      url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`),
    );
    const r = await attempt(token);
    expect(r.status).toBe(401);
    expect(r.reason).toContain('"Code":"SignatureDoesNotMatch"');
  });

  test('credentials whose session expired', async () => {
    const r = await attempt(await cliToken('demo', lapsed));
    expect(r.status).toBe(401);
    expect(r.reason).toContain('"Code":"ExpiredToken"');
  });

  test("malformed tokens, each for aws-iam-authenticator's reason, without asking STS", async () => {
    const good = await cliToken('demo');
    const cases: [string, RegExp][] = [
      [good.replace('k8s-aws-v1.', 'k8s-aws-v2.'), /^token is missing expected "k8s-aws-v1\." prefix$/],
      [`${good}=`, /^illegal base64 data/],
      [reencode(good, (u) => u.replace('https://', 'http://')), /^unexpected scheme "http" in pre-signed URL$/],
      [
        reencode(good, (u) => u.replace('sts.eu-west-1.amazonaws.com', 'sts.evil.example.com')),
        /^unexpected hostname "sts\.evil\.example\.com"/,
      ],
      [reencode(good, (u) => u.replace('amazonaws.com/?', 'amazonaws.com/x?')), /^unexpected path in pre-signed URL$/],
      [
        reencode(good, (u) => u.replace('Action=GetCallerIdentity', 'Action=AssumeRole')),
        /^unexpected action parameter/,
      ],
      [reencode(good, (u) => `${u}&action=GetCallerIdentity`), /^duplicate query parameter found/],
      [reencode(good, (u) => `${u}&X-Amz-Foo=1`), /^non-whitelisted query parameter "X-Amz-Foo"$/],
      [
        reencode(good, (u) => u.replace('X-Amz-Expires=60', 'X-Amz-Expires=901')),
        /^invalid X-Amz-Expires parameter in pre-signed URL/,
      ],
      [
        await sdkToken({ cluster: 'demo', host: 'sts.amazonaws.com', signClusterId: false }),
        /^client did not sign the x-k8s-aws-id header in the pre-signed URL$/,
      ],
      [`k8s-aws-v1.${'A'.repeat(5000)}`, /^token is too large$/],
    ];
    for (const [token, reason] of cases) {
      const r = await attempt(token);
      expect(r.status, String(reason)).toBe(401);
      expect(r.reason).toMatch(reason);
      expect(r.stsCalls).toBe(0);
    }
  });

  test("the server's own static token is not an EKS token", async () => {
    expect((await attempt(kube.token)).status).toBe(401);
  });
});

test("on a clock moved 16 minutes on, with the fake's, a fresh token has expired", async () => {
  const later = eksAuthenticator({ stsEndpoint: fake.endpoint, clusterId: 'demo', now: fake.now });
  const token = await cliToken('demo');
  expect(await later(token)).toBe(true);
  fake.setClockOffset(16 * 60_000);
  try {
    expect(await later(token)).toBe(false);
    expect(later.rejections.at(-1)).toMatch(/^X-Amz-Date parameter is expired \(15 minute expiration\)/);
  } finally {
    fake.setClockOffset(0);
  }
});

test('with a user mapping, only mapped principals get in', async () => {
  const mapped = eksAuthenticator({
    stsEndpoint: fake.endpoint,
    clusterId: 'demo',
    users: { [`arn:aws:iam::${ACCOUNT}:role/deployer`]: 'deployer' },
  });
  expect(await mapped(await cliToken('demo', role))).toBe(true);
  expect(mapped.identities.at(-1)?.username).toBe('deployer');
  expect(await mapped(await cliToken('demo', user))).toBe(false);
  expect(mapped.rejections.at(-1)).toBe(`ARN is not mapped: arn:aws:iam::${ACCOUNT}:user/pctl-test`);
});
