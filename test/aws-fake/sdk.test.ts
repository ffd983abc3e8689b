// The fake judged by the AWS SDK v3 clients the provider uses, reached through the standard
// endpoint variables: typed errors with AWS's status codes, retries on throttling, and the
// SDK's own clock-skew correction from the fake's Date header.
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  ListImagesCommand,
  ListTagsForResourceCommand,
  RepositoryNotEmptyException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type AwsFake, startAwsFake } from './index.js';

const REGION = 'ap-southeast-2';
const ACCOUNT = '444455556666';
const main = { accessKeyId: 'AKIASDKMAIN00000001', secretAccessKey: 'sdk/main+secret' };
const lapsed = {
  accessKeyId: 'ASIASDKLAPSED000001',
  secretAccessKey: 'lapsed',
  sessionToken: 'FwoLapsedSdk',
  expiresAt: new Date(Date.now() - 1000),
};
let fake: AwsFake;
let home: string;

beforeAll(async () => {
  fake = await startAwsFake({
    accountId: ACCOUNT,
    region: REGION,
    credentials: [main, lapsed],
    registryPassword: 'pw-from-ecr',
    clusters: { prod: { endpoint: 'https://127.0.0.1:36443', caData: 'Q0FEQVRB' } },
  });
  home = mkdtempSync(path.join(tmpdir(), 'pctl-awssdk-'));
  writeFileSync(path.join(home, 'config'), '');
  writeFileSync(path.join(home, 'credentials'), '');
  Object.assign(process.env, {
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: main.accessKeyId,
    AWS_SECRET_ACCESS_KEY: main.secretAccessKey,
  });
});
afterAll(async () => {
  await fake.stop();
  rmSync(home, { recursive: true, force: true });
});
beforeEach(() => {
  for (const v of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_EKS'])
    delete process.env[v];
  process.env.AWS_ENDPOINT_URL_STS = fake.endpoint;
  process.env.AWS_ENDPOINT_URL_ECR = fake.endpoint;
  process.env.AWS_ENDPOINT_URL_EKS = fake.endpoint;
});

async function failure(
  p: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

test('per-service endpoint variables and the env credential chain', async () => {
  const id = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  expect({ Account: id.Account, Arn: id.Arn, UserId: id.UserId }).toEqual({
    Account: ACCOUNT,
    Arn: `arn:aws:iam::${ACCOUNT}:user/pctl-test`,
    UserId: fake.principal(main.accessKeyId)!.userId,
  });
});

test('AWS_ENDPOINT_URL alone serves all three', async () => {
  for (const v of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL_EKS']) delete process.env[v];
  process.env.AWS_ENDPOINT_URL = fake.endpoint;
  const before = fake.calls.length;
  await new STSClient({}).send(new GetCallerIdentityCommand({}));
  await new ECRClient({}).send(new DescribeRepositoriesCommand({}));
  await new EKSClient({}).send(new DescribeClusterCommand({ name: 'prod' }));
  expect(fake.calls.slice(before).map((c) => `${c.service}:${c.op}:${c.status}`)).toEqual([
    'sts:GetCallerIdentity:200',
    'ecr:DescribeRepositories:200',
    'eks:DescribeCluster:200',
  ]);
});

test('a profile assuming a role through STS AssumeRole, as the SDK credential chain does', async () => {
  // New file names: the SDK caches what it read from the shared files by path.
  const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };
  process.env.AWS_CONFIG_FILE = path.join(home, 'config-deploy');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'credentials-deploy');
  writeFileSync(
    process.env.AWS_CONFIG_FILE,
    `[profile deploy]\nrole_arn = arn:aws:iam::${ACCOUNT}:role/deployer\nrole_session_name = pctl-deploy\nsource_profile = base\nregion = ${REGION}\n`,
  );
  writeFileSync(
    process.env.AWS_SHARED_CREDENTIALS_FILE,
    `[base]\naws_access_key_id = ${main.accessKeyId}\naws_secret_access_key = ${main.secretAccessKey}\n`,
  );
  try {
    const before = fake.calls.length;
    const id = await new STSClient({ profile: 'deploy' }).send(new GetCallerIdentityCommand({}));
    expect(id.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/pctl-deploy`);
    const calls = fake.calls.slice(before);
    expect(calls.map((c) => `${c.op}:${c.status}`)).toEqual(['AssumeRole:200', 'GetCallerIdentity:200']);
    expect(calls[0]!.accessKeyId).toBe(main.accessKeyId);
    expect(calls[1]!.accessKeyId).toMatch(/^ASIA/);
  } finally {
    process.env.AWS_CONFIG_FILE = saved.config;
    process.env.AWS_SHARED_CREDENTIALS_FILE = saved.credentials;
  }
});

describe('ecr', () => {
  const ecr = () => new ECRClient({});

  test('create, describe, tags, images, token', async () => {
    const created = await ecr().send(
      new CreateRepositoryCommand({
        repositoryName: 'shop/api',
        tags: [{ Key: 'managed-by', Value: 'pctl' }],
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    expect(created.repository).toMatchObject({
      repositoryName: 'shop/api',
      repositoryUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/api`,
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(created.repository!.createdAt).toBeInstanceOf(Date);
    const tags = await ecr().send(new ListTagsForResourceCommand({ resourceArn: created.repository!.repositoryArn }));
    expect(tags.tags).toEqual([{ Key: 'managed-by', Value: 'pctl' }]);

    fake.repositories().get('shop/api')!.images.add('abc123');
    const images = await ecr().send(
      new DescribeImagesCommand({ repositoryName: 'shop/api', imageIds: [{ imageTag: 'abc123' }] }),
    );
    expect(images.imageDetails?.map((d) => d.imageTags)).toEqual([['abc123']]);
    expect(images.imageDetails![0]!.imagePushedAt).toBeInstanceOf(Date);

    const listed = await ecr().send(new ListImagesCommand({ repositoryName: 'shop/api' }));
    expect(listed.imageIds).toEqual([{ imageDigest: images.imageDetails![0]!.imageDigest, imageTag: 'abc123' }]);

    const missing = await failure(
      ecr().send(new DescribeImagesCommand({ repositoryName: 'shop/api', imageIds: [{ imageTag: 'nope' }] })),
    );
    expect(missing).toBeInstanceOf(ImageNotFoundException);
    expect(missing.$metadata.httpStatusCode).toBe(400);

    const token = await ecr().send(new GetAuthorizationTokenCommand({}));
    expect(Buffer.from(token.authorizationData![0]!.authorizationToken!, 'base64').toString()).toBe('AWS:pw-from-ecr');
    expect(token.authorizationData![0]!.expiresAt).toBeInstanceOf(Date);

    const notEmpty = await failure(ecr().send(new DeleteRepositoryCommand({ repositoryName: 'shop/api' })));
    expect(notEmpty).toBeInstanceOf(RepositoryNotEmptyException);
    await ecr().send(new DeleteRepositoryCommand({ repositoryName: 'shop/api', force: true }));
    const gone = await failure(ecr().send(new DescribeRepositoriesCommand({ repositoryNames: ['shop/api'] })));
    expect(gone).toBeInstanceOf(RepositoryNotFoundException);
    expect(gone.message).toBe(
      `The repository with name 'shop/api' does not exist in the registry with id '${ACCOUNT}'`,
    );
  });

  test('throttling is retried by the SDK; persistent throttling surfaces after its attempts', async () => {
    fake.fail('DescribeRepositories', 'ThrottlingException', 2);
    const before = fake.calls.length;
    await ecr().send(new DescribeRepositoriesCommand({}));
    expect(fake.calls.slice(before).map((c) => c.error ?? c.status)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      200,
    ]);
    fake.fail('DescribeRepositories', 'ThrottlingException');
    try {
      const err = await failure(ecr().send(new DescribeRepositoriesCommand({})));
      expect([err.name, err.message, err.$metadata.attempts]).toEqual(['ThrottlingException', 'Rate exceeded', 3]);
    } finally {
      fake.clearFailures();
    }
  });
});

describe('eks', () => {
  test('DescribeCluster, and ResourceNotFoundException with 404', async () => {
    const { cluster } = await new EKSClient({}).send(new DescribeClusterCommand({ name: 'prod' }));
    expect(cluster).toMatchObject({
      name: 'prod',
      endpoint: 'https://127.0.0.1:36443',
      status: 'ACTIVE',
      certificateAuthority: { data: 'Q0FEQVRB' },
    });
    expect(cluster!.createdAt).toBeInstanceOf(Date);
    const err = await failure(new EKSClient({}).send(new DescribeClusterCommand({ name: 'absent' })));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect([err.message, err.$metadata.httpStatusCode]).toEqual(['No cluster found for name: absent.', 404]);
  });
});

describe('authentication errors as each protocol gives them', () => {
  const wrong = { ...main, secretAccessKey: 'wrong' };
  test('a wrong secret', async () => {
    const sts = await failure(new STSClient({ credentials: wrong }).send(new GetCallerIdentityCommand({})));
    const ecr = await failure(new ECRClient({ credentials: wrong }).send(new DescribeRepositoriesCommand({})));
    const eks = await failure(new EKSClient({ credentials: wrong }).send(new DescribeClusterCommand({ name: 'prod' })));
    expect([sts, ecr, eks].map((e) => [e.name, e.$metadata.httpStatusCode])).toEqual([
      ['SignatureDoesNotMatch', 403],
      ['InvalidSignatureException', 400],
      ['InvalidSignatureException', 403],
    ]);
  });

  test('expired session credentials', async () => {
    const sts = await failure(new STSClient({ credentials: lapsed }).send(new GetCallerIdentityCommand({})));
    const ecr = await failure(new ECRClient({ credentials: lapsed }).send(new GetAuthorizationTokenCommand({})));
    const eks = await failure(
      new EKSClient({ credentials: lapsed }).send(new DescribeClusterCommand({ name: 'prod' })),
    );
    expect([sts, ecr, eks].map((e) => [e.name, e.message])).toEqual([
      ['ExpiredToken', 'The security token included in the request is expired'],
      ['ExpiredTokenException', 'The security token included in the request is expired'],
      ['ExpiredTokenException', 'The security token included in the request is expired'],
    ]);
  });

  test('an unknown key', async () => {
    const creds = { ...main, accessKeyId: 'AKIANOBODY000000001' };
    const sts = await failure(new STSClient({ credentials: creds }).send(new GetCallerIdentityCommand({})));
    const ecr = await failure(new ECRClient({ credentials: creds }).send(new DescribeRepositoriesCommand({})));
    expect([sts.name, ecr.name]).toEqual(['InvalidClientTokenId', 'UnrecognizedClientException']);
  });

  test('a skewed client clock: refused, then the SDK corrects its offset from the Date header and succeeds', async () => {
    fake.setClockOffset(30 * 60_000);
    try {
      const before = fake.calls.length;
      const client = new ECRClient({});
      await client.send(new DescribeRepositoriesCommand({}));
      expect(fake.calls.slice(before).map((c) => c.error ?? c.status)).toEqual(['InvalidSignatureException', 200]);
      expect(Math.abs(client.config.systemClockOffset - 30 * 60_000)).toBeLessThan(60_000);
    } finally {
      fake.setClockOffset(0);
    }
  });
});
