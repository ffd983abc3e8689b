// The fake judged by Debian's aws CLI v2: what it prints against the fake is what it prints
// against AWS, and what AWS refuses (wrong secret, unknown key, expired or missing session
// token, clock skew) it refuses with AWS's error code.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { awsCli, awsCliEnv, type CliCredentials } from './awsCli.js';
import { type AwsFake, startAwsFake } from './index.js';

const REGION = 'eu-west-1';
const ACCOUNT = '210987654321';
const main = {
  accessKeyId: 'AKIAFAKEMAIN0000001',
  secretAccessKey: 'main/secret+KEY',
  arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
};
const temp = {
  accessKeyId: 'ASIAFAKETEMP0000001',
  secretAccessKey: 'temp-secret',
  sessionToken: 'FwoGZXIvYXdzEFAKE//session=',
  expiresAt: new Date(Date.now() + 3600_000),
};
const old = {
  accessKeyId: 'ASIAFAKEOLD00000001',
  secretAccessKey: 'old-secret',
  sessionToken: 'FwoGZXIvYXdzEOLD',
  expiresAt: new Date(Date.now() - 60_000),
};
let fake: AwsFake;

beforeAll(async () => {
  fake = await startAwsFake({
    accountId: ACCOUNT,
    region: REGION,
    credentials: [main, temp, old],
    registryPassword: 'the-registry-password',
    clusters: {
      demo: {
        endpoint: 'https://127.0.0.1:16443',
        caData: Buffer.from('-----BEGIN CERTIFICATE-----\nfake\n').toString('base64'),
      },
    },
    parameters: { '/shop/db-host': 'db.internal', '/shop/db-password': { value: 'p@ss w0rd', type: 'SecureString' } },
    stacks: {
      network: [
        { key: 'VpcId', value: 'vpc-0abc', exportName: 'shared-vpc' },
        { key: 'SubnetA', value: 'subnet-a', exportName: 'subnet-a' },
        { key: 'Local', value: 'not exported' },
      ],
      data: [{ key: 'Bucket', value: 'shop-bucket', exportName: 'shop-bucket' }],
    },
  });
});
afterAll(async () => fake.stop());

const aws = (args: string[], creds: CliCredentials = main) => awsCli(fake.endpoint, awsCliEnv(creds, REGION), args);
const json = (r: { exitCode: number; stdout: string; stderr: string }) => {
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as Record<string, any>;
};
// A command that succeeds and prints nothing.
const silent = (r: { exitCode: number; stdout: string; stderr: string }) =>
  expect([r.exitCode, r.stdout, r.stderr]).toEqual([0, '', '']);
// The one line the CLI prints for a service error.
const refusal = (r: { exitCode: number; stderr: string }) => {
  expect(r.exitCode).toBe(254);
  return r.stderr.trim();
};

describe('sts', () => {
  test('get-caller-identity names the principal of the access key', async () => {
    const out = json(await aws(['sts', 'get-caller-identity']));
    expect(out).toEqual({ UserId: fake.principal(main.accessKeyId)!.userId, Account: ACCOUNT, Arn: main.arn });
    expect(out.UserId).toMatch(/^AIDA[0-9A-F]{17}$/);
    expect(fake.calls.at(-1)).toMatchObject({
      service: 'sts',
      op: 'GetCallerIdentity',
      accessKeyId: main.accessKeyId,
      status: 200,
    });
  });

  test('session credentials are an assumed role', async () => {
    const out = json(await aws(['sts', 'get-caller-identity'], temp));
    expect(out.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/pctl-test/pctl-session`);
    expect(out.UserId).toMatch(/^AROA[0-9A-F]{17}:pctl-session$/);
  });

  test('assume-role hands out session credentials the fake then knows', async () => {
    const { Credentials, AssumedRoleUser } = json(
      await aws([
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/deployer`,
        '--role-session-name',
        'cli-run',
      ]),
    );
    expect(AssumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/cli-run`);
    expect(Math.abs(Date.parse(Credentials.Expiration) - Date.now() - 3600_000)).toBeLessThan(120_000);
    const who = json(
      await aws(['sts', 'get-caller-identity'], {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretAccessKey,
        sessionToken: Credentials.SessionToken,
      }),
    );
    expect([who.Arn, who.UserId]).toEqual([AssumedRoleUser.Arn, AssumedRoleUser.AssumedRoleId]);
    expect(
      refusal(
        await aws([
          'sts',
          'assume-role',
          '--role-arn',
          'arn:aws:iam::000000000000:role/other',
          '--role-session-name',
          'x1',
        ]),
      ),
    ).toBe(
      `An error occurred (AccessDenied) when calling the AssumeRole operation: User: ${main.arn} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/other`,
    );
  });

  test('a wrong secret is SignatureDoesNotMatch', async () => {
    expect(refusal(await aws(['sts', 'get-caller-identity'], { ...main, secretAccessKey: 'nope' }))).toBe(
      'An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  });

  test('an unknown key, a missing or wrong session token are InvalidClientTokenId', async () => {
    const invalid =
      'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.';
    expect(refusal(await aws(['sts', 'get-caller-identity'], { ...main, accessKeyId: 'AKIAUNKNOWN00000000' }))).toBe(
      invalid,
    );
    expect(
      refusal(
        await aws(['sts', 'get-caller-identity'], {
          accessKeyId: temp.accessKeyId,
          secretAccessKey: temp.secretAccessKey,
        }),
      ),
    ).toBe(invalid);
    expect(refusal(await aws(['sts', 'get-caller-identity'], { ...temp, sessionToken: 'FwoOTHER' }))).toBe(invalid);
  });

  test('an expired session token is ExpiredToken', async () => {
    expect(refusal(await aws(['sts', 'get-caller-identity'], old))).toBe(
      'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation: The security token included in the request is expired',
    );
  });

  test("a clock 16 minutes off either way is refused; 10 minutes is within AWS's 15", async () => {
    try {
      fake.setClockOffset(16 * 60_000);
      expect(refusal(await aws(['sts', 'get-caller-identity']))).toMatch(
        /^An error occurred \(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation: Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      );
      fake.setClockOffset(-16 * 60_000);
      expect(refusal(await aws(['ecr', 'describe-repositories']))).toMatch(
        /^An error occurred \(InvalidSignatureException\) when calling the DescribeRepositories operation: Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/,
      );
      fake.setClockOffset(10 * 60_000);
      json(await aws(['sts', 'get-caller-identity']));
    } finally {
      fake.setClockOffset(0);
    }
  });
});

describe('ecr', () => {
  test('create-repository with tags and scan on push, then describe and list its tags', async () => {
    const out = json(
      await aws([
        'ecr',
        'create-repository',
        '--repository-name',
        'shop/web',
        '--tags',
        'Key=managed-by,Value=pctl',
        'Key=stack,Value=shop',
        '--image-scanning-configuration',
        'scanOnPush=true',
      ]),
    );
    expect(out.repository).toMatchObject({
      repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/shop/web`,
      registryId: ACCOUNT,
      repositoryName: 'shop/web',
      repositoryUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/web`,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    // The CLI prints timestamps it parsed: createdAt must be a real instant.
    expect(Math.abs(Date.parse(out.repository.createdAt) - Date.now())).toBeLessThan(600_000);
    expect(fake.repositories().get('shop/web')?.tags).toEqual({ 'managed-by': 'pctl', stack: 'shop' });

    const described = json(await aws(['ecr', 'describe-repositories', '--repository-names', 'shop/web']));
    expect(described.repositories.map((r: { repositoryUri: string }) => r.repositoryUri)).toEqual([
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/web`,
    ]);
    const tags = json(await aws(['ecr', 'list-tags-for-resource', '--resource-arn', out.repository.repositoryArn]));
    expect(tags.tags).toEqual([
      { Key: 'managed-by', Value: 'pctl' },
      { Key: 'stack', Value: 'shop' },
    ]);

    silent(
      await aws([
        'ecr',
        'tag-resource',
        '--resource-arn',
        out.repository.repositoryArn,
        '--tags',
        'Key=owner,Value=team-a',
      ]),
    );
    expect(fake.repositories().get('shop/web')?.tags.owner).toBe('team-a');
  });

  test("creating it again, describing a missing one, a bad name: ECR's errors", async () => {
    expect(refusal(await aws(['ecr', 'create-repository', '--repository-name', 'shop/web']))).toBe(
      `An error occurred (RepositoryAlreadyExistsException) when calling the CreateRepository operation: The repository with name 'shop/web' already exists in the registry with id '${ACCOUNT}'`,
    );
    expect(refusal(await aws(['ecr', 'describe-repositories', '--repository-names', 'nope']))).toBe(
      `An error occurred (RepositoryNotFoundException) when calling the DescribeRepositories operation: The repository with name 'nope' does not exist in the registry with id '${ACCOUNT}'`,
    );
    expect(refusal(await aws(['ecr', 'create-repository', '--repository-name', 'Bad_Name']))).toMatch(
      /^An error occurred \(InvalidParameterException\) when calling the CreateRepository operation: Invalid parameter at 'repositoryName' failed to satisfy constraint/,
    );
  });

  test('describe-images lists tags by digest, filters by tag, and names a missing tag', async () => {
    expect(json(await aws(['ecr', 'describe-images', '--repository-name', 'shop/web'])).imageDetails).toEqual([]);
    fake.repositories().get('shop/web')!.images.add('c0ffee');
    const out = json(
      await aws(['ecr', 'describe-images', '--repository-name', 'shop/web', '--image-ids', 'imageTag=c0ffee']),
    );
    expect(out.imageDetails).toHaveLength(1);
    expect(out.imageDetails[0]).toMatchObject({
      registryId: ACCOUNT,
      repositoryName: 'shop/web',
      imageTags: ['c0ffee'],
    });
    expect(out.imageDetails[0].imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(
      refusal(
        await aws(['ecr', 'describe-images', '--repository-name', 'shop/web', '--image-ids', 'imageTag=missing']),
      ),
    ).toBe(
      `An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageDigest:'null', imageTag:'missing'} does not exist within the repository with name 'shop/web' in the registry with id '${ACCOUNT}'`,
    );
  });

  test('delete-repository refuses a repository with images unless forced', async () => {
    expect(refusal(await aws(['ecr', 'delete-repository', '--repository-name', 'shop/web']))).toBe(
      `An error occurred (RepositoryNotEmptyException) when calling the DeleteRepository operation: The repository with name 'shop/web' in registry with id '${ACCOUNT}' cannot be deleted because it still contains images`,
    );
    const deleted = json(
      await aws([
        'ecr',
        'batch-delete-image',
        '--repository-name',
        'shop/web',
        '--image-ids',
        'imageTag=c0ffee',
        'imageTag=gone',
      ]),
    );
    expect(deleted.imageIds).toEqual([{ imageDigest: expect.stringMatching(/^sha256:/), imageTag: 'c0ffee' }]);
    expect(deleted.failures).toEqual([
      { imageId: { imageTag: 'gone' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
    ]);
    json(await aws(['ecr', 'delete-repository', '--repository-name', 'shop/web']));
    expect(fake.repositories().has('shop/web')).toBe(false);

    json(await aws(['ecr', 'create-repository', '--repository-name', 'forced']));
    fake.repositories().get('forced')!.images.add('v1');
    json(await aws(['ecr', 'delete-repository', '--repository-name', 'forced', '--force']));
    expect(fake.repositories().has('forced')).toBe(false);
  });

  test('get-login-password prints the password of the AWS user; the token decodes to AWS:<password>', async () => {
    const r = await aws(['ecr', 'get-login-password']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('the-registry-password');
    const token = json(await aws(['ecr', 'get-authorization-token'])).authorizationData[0];
    expect(Buffer.from(token.authorizationToken, 'base64').toString()).toBe('AWS:the-registry-password');
    expect(token.proxyEndpoint).toBe(`https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`);
  });

  test("wrong secret, unknown key and expired token are the JSON protocol's errors", async () => {
    expect(refusal(await aws(['ecr', 'describe-repositories'], { ...main, secretAccessKey: 'nope' }))).toMatch(
      /^An error occurred \(InvalidSignatureException\) when calling the DescribeRepositories operation: The request signature we calculated does not match/,
    );
    expect(refusal(await aws(['ecr', 'describe-repositories'], { ...main, accessKeyId: 'AKIAUNKNOWN00000000' }))).toBe(
      'An error occurred (UnrecognizedClientException) when calling the DescribeRepositories operation: The security token included in the request is invalid.',
    );
    expect(refusal(await aws(['ecr', 'get-login-password'], old))).toBe(
      'An error occurred (ExpiredTokenException) when calling the GetAuthorizationToken operation: The security token included in the request is expired',
    );
  });

  test('injected throttling: retried by the CLI, then reported when it persists', async () => {
    fake.fail('DescribeRepositories', 'ThrottlingException', 1);
    const before = fake.calls.length;
    json(await aws(['ecr', 'describe-repositories']));
    expect(fake.calls.slice(before).map((c) => c.error ?? c.status)).toEqual(['ThrottlingException', 200]);
    fake.fail('DescribeRepositories', 'ThrottlingException');
    try {
      expect(refusal(await aws(['ecr', 'describe-repositories']))).toMatch(
        /^An error occurred \(ThrottlingException\) when calling the DescribeRepositories operation \(reached max retries: \d+\): Rate exceeded$/,
      );
    } finally {
      fake.clearFailures();
    }
  });

  test('injected AccessDenied names the caller and the action', async () => {
    fake.fail('CreateRepository', 'AccessDeniedException', 1);
    expect(refusal(await aws(['ecr', 'create-repository', '--repository-name', 'denied']))).toBe(
      `An error occurred (AccessDeniedException) when calling the CreateRepository operation: User: ${main.arn} is not authorized to perform: ecr:CreateRepository on resource: arn:aws:ecr:${REGION}:${ACCOUNT}:repository/denied because no identity-based policy allows the ecr:CreateRepository action`,
    );
  });
});

describe('eks', () => {
  test('describe-cluster gives endpoint, CA and ACTIVE', async () => {
    const { cluster } = json(await aws(['eks', 'describe-cluster', '--name', 'demo']));
    expect(cluster).toMatchObject({
      name: 'demo',
      arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/demo`,
      endpoint: 'https://127.0.0.1:16443',
      status: 'ACTIVE',
      certificateAuthority: { data: Buffer.from('-----BEGIN CERTIFICATE-----\nfake\n').toString('base64') },
    });
  });

  test('an unknown cluster is ResourceNotFoundException; a wrong secret InvalidSignatureException', async () => {
    expect(refusal(await aws(['eks', 'describe-cluster', '--name', 'nope']))).toBe(
      'An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: nope.',
    );
    expect(
      refusal(await aws(['eks', 'describe-cluster', '--name', 'demo'], { ...main, secretAccessKey: 'nope' })),
    ).toMatch(
      /^An error occurred \(InvalidSignatureException\) when calling the DescribeCluster operation: The request signature we calculated does not match/,
    );
    expect(refusal(await aws(['eks', 'describe-cluster', '--name', 'demo'], old))).toBe(
      'An error occurred (ExpiredTokenException) when calling the DescribeCluster operation: The security token included in the request is expired',
    );
  });

  test('a cluster added later is found', async () => {
    fake.addCluster('late', { endpoint: 'https://127.0.0.1:26443', caData: 'Q0E=' });
    expect(json(await aws(['eks', 'describe-cluster', '--name', 'late'])).cluster.endpoint).toBe(
      'https://127.0.0.1:26443',
    );
  });
});

describe('ssm and cloudformation', () => {
  test('get-parameter: a String as is, a SecureString only decrypted, a missing one ParameterNotFound', async () => {
    expect(json(await aws(['ssm', 'get-parameter', '--name', '/shop/db-host'])).Parameter).toMatchObject({
      Name: '/shop/db-host',
      Type: 'String',
      Value: 'db.internal',
      Version: 1,
    });
    expect(
      json(await aws(['ssm', 'get-parameter', '--name', '/shop/db-password', '--with-decryption'])).Parameter,
    ).toMatchObject({ Type: 'SecureString', Value: 'p@ss w0rd' });
    expect(json(await aws(['ssm', 'get-parameter', '--name', '/shop/db-password'])).Parameter.Value).not.toBe(
      'p@ss w0rd',
    );
    expect(refusal(await aws(['ssm', 'get-parameter', '--name', '/shop/nothing']))).toBe(
      'An error occurred (ParameterNotFound) when calling the GetParameter operation:',
    );
  });

  test('describe-stacks lists outputs; an unknown stack is a ValidationError', async () => {
    const { Stacks } = json(await aws(['cloudformation', 'describe-stacks', '--stack-name', 'network']));
    expect(Stacks).toHaveLength(1);
    expect(Stacks[0]).toMatchObject({ StackName: 'network', StackStatus: 'CREATE_COMPLETE' });
    expect(Stacks[0].Outputs).toEqual([
      { OutputKey: 'VpcId', OutputValue: 'vpc-0abc', ExportName: 'shared-vpc' },
      { OutputKey: 'SubnetA', OutputValue: 'subnet-a', ExportName: 'subnet-a' },
      { OutputKey: 'Local', OutputValue: 'not exported' },
    ]);
    expect(refusal(await aws(['cloudformation', 'describe-stacks', '--stack-name', 'gone']))).toBe(
      'An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id gone does not exist',
    );
  });

  test('list-exports pages with NextToken, and the CLI follows it to every export', async () => {
    const { Exports } = json(await aws(['cloudformation', 'list-exports']));
    expect(Exports.map((e: { Name: string; Value: string }) => [e.Name, e.Value])).toEqual([
      ['shared-vpc', 'vpc-0abc'],
      ['subnet-a', 'subnet-a'],
      ['shop-bucket', 'shop-bucket'],
    ]);
    expect(fake.calls.filter((c) => c.op === 'ListExports').length).toBeGreaterThanOrEqual(2);
    const first = json(await aws(['cloudformation', 'list-exports', '--no-paginate']));
    expect([first.Exports.length, first.NextToken]).toEqual([2, '2']);
  });
});
