// The aws provider end to end, with the real CLI and nothing but 127.0.0.1:
// - AWS: the control-plane fake (test/aws-fake: STS, ECR, EKS, every request's SigV4
//   signature verified), reached through AWS_ENDPOINT_URL as the SDK reads it;
// - EKS: the Kubernetes API test server, which takes only EKS tokens that the fake's
//   authenticator verifies (decoded, checked, then GetCallerIdentity with the presigned URL);
// - ECR: a REAL docker-registry with user `AWS` and the password GetAuthorizationToken hands
//   out, so `docker login` and `docker push` are real (provider option registryHost puts it
//   where `<account>.dkr.ecr.<region>.amazonaws.com` would be).
// Secrets (the secret key, the registry password) never reach argv, output or state.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { labelledObjects } from '../helpers/kube-observe.js';
import awsProvider from '@pctl/provider-aws';
import { runConformance } from '@pctl/provider-kit/conformance';
import { INNER_CHECK_IDS, INNER_LOOP_CHECKS, kubeInnerLoop, skippedChecks } from '../helpers/kubeConformance.js';
import type { ProviderV1 } from '@pctl/provider-kit';
import { eksAuthenticator, type AwsFake, type EksAuthenticator } from '../aws-fake/index.js';
import { startAwsWorld, type AwsWorld } from '../helpers/awsWorld.js';
import { awsCli, awsCliEnv } from '../aws-fake/awsCli.js';
import { pctl, pctlWatchingArgv, writeTree, type PctlRun } from '../helpers/cli.js';
import type { TestRegistry } from '../helpers/registry.js';
import { removeStack, requireDocker } from '../helpers/docker.js';

const STACK = 'awshop';
const REGION = 'eu-west-1';
const ACCOUNT = '314159265358';
const CLUSTER = 'prod';
const NS = 'shop';
const main = { accessKeyId: 'AKIAPCTLE2E00000001', secretAccessKey: 'pctl-e2e/secret+Key0000000000000000001' };
// Session credentials that expired a minute ago.
const expiredSession = {
  accessKeyId: 'ASIAPCTLE2EEXPIRED01',
  secretAccessKey: 'expired-session-secret-000000000',
  sessionToken: 'FwoGZXIvYXdzEPCTLEXPIRED',
  expiresAt: new Date(Date.now() - 60_000),
};
const REGISTRY_PASSWORD = 'ecr-password-e2e-7f3a9c1d5b';

let tmp: { dir: string };
let world: AwsWorld | undefined;
let dir: string;
let kube: KubeApiServer;
let fake: AwsFake;
let auth: EksAuthenticator;
const presented: string[] = [];
let registry: TestRegistry | undefined;
let regPort: number;
let env: Record<string, string>;

const stateFile = () => path.join(dir, `pctl.${STACK}.json`);
const state = () => JSON.parse(readFileSync(stateFile(), 'utf8'));
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));
const basic = `Basic ${Buffer.from(`AWS:${REGISTRY_PASSWORD}`).toString('base64')}`;
const cli = (args: string[]) => awsCli(fake.endpoint, awsCliEnv(main, REGION), args);

async function tags(repo: string): Promise<string[]> {
  const r = await fetch(`http://127.0.0.1:${regPort}/v2/${repo}/tags/list`, { headers: { authorization: basic } });
  if (r.status === 404) return [];
  expect(r.status).toBe(200);
  return (((await r.json()) as { tags: string[] | null }).tags ?? []).sort();
}

const service = (name: string, extra = '') => `  ${name}:
    image: ./${name}
    command: httpd -f -p 8080 -h /www
    ports: ["8080"]
${extra}    provider:
      name: aws
      options:
        cluster: ${CLUSTER}
        namespace: ${NS}
        region: ${REGION}
        registryHost: 127.0.0.1:${regPort}
`;
// A docker service beside the aws ones: one file, two providers.
const dockerService = `  worker:
    image: busybox:latest
    command: sleep 3600
    provider:
      name: docker
`;
const yaml = (services: string[]) => `name: ${STACK}\nservices:\n${services.join('')}`;
const fullStack = () => yaml([service('web'), service('api'), dockerService]);

const run = (args: string[], extraEnv: Record<string, string> = {}) =>
  pctlWatchingArgv(args, { cwd: dir, env: { ...env, ...extraEnv } }, REGISTRY_PASSWORD);

const noLeak = (r: PctlRun & { argvLeak: string[] }) => {
  expect(r.argvLeak).toEqual([]);
  for (const secret of [REGISTRY_PASSWORD, main.secretAccessKey]) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
    expect(readFileSync(stateFile(), 'utf8')).not.toContain(secret);
  }
};

type Deployment = {
  spec: { template: { spec: { containers: { image: string }[] } } };
  metadata: { labels: Record<string, string> };
};
const deploymentImage = (name: string) =>
  (kube.get('Deployment', NS, `${STACK}-${name}`) as unknown as Deployment | undefined)?.spec.template.spec
    .containers[0]!.image;
const writes = () => kube.requests.filter((q) => ['PATCH', 'PUT', 'POST', 'DELETE'].includes(q.method)).length;

beforeAll(async () => {
  await requireDocker();
  world = await startAwsWorld({
    accountId: ACCOUNT,
    region: REGION,
    cluster: CLUSTER,
    credentials: [main, expiredSession],
    registryPassword: REGISTRY_PASSWORD,
    presented: (bearer) => presented.push(bearer),
  });
  ({ kube, fake, auth, registry, regPort, env } = world);
  tmp = { dir: world.dir };
  dir = path.join(tmp.dir, 'stack');
  const dockerConfig = world.dockerConfig;
  writeTree(dir, {
    'pctl.yaml': fullStack(),
    'web/Dockerfile': 'FROM busybox:latest\nCOPY index.html /www/index.html\n',
    'web/index.html': 'hello from EKS',
    'api/Dockerfile': 'FROM busybox:latest\nCOPY index.html /www/index.html\n',
    'api/index.html': '{"api": 1}',
  });
  // The user made the api repository (with an image of their own) before pctl: pctl must leave both.
  const made = await cli(['ecr', 'create-repository', '--repository-name', `${STACK}-api`]);
  expect(made.exitCode).toBe(0);
  await execa('docker', ['tag', 'busybox:latest', `127.0.0.1:${regPort}/${STACK}-api:users-own`]);
  await execa('docker', ['login', '--username', 'AWS', '--password-stdin', `127.0.0.1:${regPort}`], {
    input: REGISTRY_PASSWORD,
    env: { DOCKER_CONFIG: dockerConfig },
  });
  await execa('docker', ['push', `127.0.0.1:${regPort}/${STACK}-api:users-own`], {
    env: { DOCKER_CONFIG: dockerConfig },
  });
  await execa('docker', ['logout', `127.0.0.1:${regPort}`], { env: { DOCKER_CONFIG: dockerConfig } });
}, 180_000);

afterAll(async () => {
  for (const ref of (
    await execa(
      'docker',
      ['images', '--filter', `reference=127.0.0.1:${regPort}/*`, '--format', '{{.Repository}}:{{.Tag}}'],
      { reject: false },
    )
  ).stdout
    .split('\n')
    .filter(Boolean)) {
    await execa('docker', ['rmi', '-f', ref], { reject: false });
  }
  await removeStack(STACK);
  await world?.stop();
}, 120_000);

describe('aws provider (EKS + ECR)', () => {
  let webTag = '';
  let apiTag = '';

  it('creates the ECR repository it needs, pushes, and deploys to EKS with an EKS token', async () => {
    const r = await run(['deploy', '--json', '--verbose']);
    if (r.exitCode !== 0)
      console.error(r.stderr, '\nregistry log:\n', registry?.log(), '\nauth rejections:', auth.rejections);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({
      [`${STACK}-web`]: 'deployed',
      [`${STACK}-api`]: 'deployed',
      [`${STACK}-worker`]: 'deployed',
    });

    const s = state();
    webTag = s[`${STACK}-web`].image.split(':').pop();
    apiTag = s[`${STACK}-api`].image.split(':').pop();
    expect(s[`${STACK}-web`]).toMatchObject({
      provider: 'aws',
      cluster: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
      namespace: NS,
      registryUrl: `127.0.0.1:${regPort}/${STACK}-web`,
      hasHpa: false,
      hasRbac: false,
      hasPvc: false,
      hasPv: false,
      hasPullSecret: false,
      aws: { region: REGION, eksCluster: CLUSTER },
      ecr: {
        image: `127.0.0.1:${regPort}/${STACK}-web:${webTag}`,
        pushedByPctl: true,
        pushedTags: [webTag],
        repositoryCreated: true,
      },
    });
    expect(s[`${STACK}-api`].ecr).toMatchObject({ pushedTags: [apiTag], repositoryCreated: false });
    expect(s[`${STACK}-worker`].provider).toBe('docker');

    // ECR: the repository pctl made is tagged as pctl's and scans on push; the user's is untouched.
    const repos = fake.repositories();
    expect(repos.get(`${STACK}-web`)).toMatchObject({
      tags: { 'managed-by': 'pctl', 'pctl-stack': STACK },
      scanOnPush: true,
    });
    expect(repos.get(`${STACK}-api`)?.tags).toEqual({});
    expect(await tags(`${STACK}-web`)).toEqual([webTag]);
    expect(await tags(`${STACK}-api`)).toEqual([apiTag, 'users-own'].sort());
    expect(fake.calls.filter((c) => c.op === 'GetCallerIdentity' && c.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toContain(`$ docker login --username AWS --password-stdin -- 127.0.0.1:${regPort}`);

    // EKS: the Deployments run the ECR images; every request carried a token the authenticator took.
    expect(deploymentImage('web')).toBe(`127.0.0.1:${regPort}/${STACK}-web:${webTag}`);
    expect(deploymentImage('api')).toBe(`127.0.0.1:${regPort}/${STACK}-api:${apiTag}`);
    expect(kube.requests.filter((q) => q.status === 401)).toEqual([]);
    expect(auth.rejections).toEqual([]);
    expect(auth.identities.at(-1)).toMatchObject({ accountId: ACCOUNT, accessKeyId: main.accessKeyId });
    noLeak(r);
  });

  it('skips a second deploy with no change: no push, no login, no write to the cluster', async () => {
    const before = writes();
    const r = await run(['deploy', '--json', '--verbose']);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({
      [`${STACK}-web`]: 'skipped',
      [`${STACK}-api`]: 'skipped',
      [`${STACK}-worker`]: 'skipped',
    });
    expect(r.stderr).not.toMatch(/docker push|docker login/);
    expect(writes()).toBe(before);
    noLeak(r);
  });

  it('redeploys only the service whose file changed, pushing only its new tag', async () => {
    writeFileSync(path.join(dir, 'web/index.html'), 'hello again from EKS');
    const r = await run(['deploy', '--json', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({
      [`${STACK}-web`]: 'deployed',
      [`${STACK}-api`]: 'skipped',
      [`${STACK}-worker`]: 'skipped',
    });
    const s = state()[`${STACK}-web`];
    const newTag = s.image.split(':').pop();
    expect(newTag).not.toBe(webTag);
    expect(await tags(`${STACK}-web`)).toEqual([webTag, newTag].sort());
    expect(s.ecr.pushedTags).toEqual([webTag, newTag]);
    expect(deploymentImage('web')).toBe(`127.0.0.1:${regPort}/${STACK}-web:${newTag}`);
    expect(r.stderr).not.toContain(`docker push -- 127.0.0.1:${regPort}/${STACK}-api`);
    webTag = newTag;
    noLeak(r);
  });

  it("removes an orphan: its objects and the tag pctl pushed go; the user's repository and image stay", async () => {
    writeFileSync(path.join(dir, 'pctl.yaml'), yaml([service('web'), dockerService]));
    const r = await run(['deploy', '--json', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(kube.get('Deployment', NS, `${STACK}-api`)).toBeUndefined();
    expect(kube.get('Service', NS, `${STACK}-api`)).toBeUndefined();
    expect(await tags(`${STACK}-api`)).toEqual(['users-own']);
    expect(fake.repositories().has(`${STACK}-api`)).toBe(true);
    expect(kube.get('Deployment', NS, `${STACK}-web`)).toBeTruthy();
    noLeak(r);
  });

  it('destroys: the objects, every tag pctl pushed and the repository it made are gone, nothing else', async () => {
    const r = await run(['destroy', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(kube.get('Deployment', NS, `${STACK}-web`)).toBeUndefined();
    expect(kube.get('Namespace', undefined, NS)).toBeUndefined();
    expect(fake.repositories().has(`${STACK}-web`)).toBe(false);
    expect(await tags(`${STACK}-web`)).toEqual([]);
    expect(fake.repositories().has(`${STACK}-api`)).toBe(true);
    expect(await tags(`${STACK}-api`)).toEqual(['users-own']);
    expect(state()[`${STACK}-web`].destroyed).toBe(true);
    noLeak(r);
  });

  it('deploys again after destroy: the repository is made again and the image pushed again', async () => {
    const r = await run(['deploy', '--json', '--verbose']);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toMatchObject({ [`${STACK}-web`]: 'deployed' });
    expect(fake.repositories().get(`${STACK}-web`)?.tags).toMatchObject({ 'managed-by': 'pctl' });
    expect(await tags(`${STACK}-web`)).toEqual([webTag]);
    expect(state()[`${STACK}-web`].ecr).toMatchObject({ pushedTags: [webTag], repositoryCreated: true });
    expect(deploymentImage('web')).toBe(`127.0.0.1:${regPort}/${STACK}-web:${webTag}`);
    noLeak(r);
    const st = await run(['status', '--json']);
    expect(st.exitCode, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/running/);
    noLeak(st);
  });

  it('removes a service a state file of the original pctl recorded (cluster by name, no region)', async () => {
    kube.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: `${STACK}-legacy`,
        namespace: NS,
        labels: { 'managed-by': 'pctl', 'pctl-stack': STACK, 'pctl-service': `${STACK}-legacy` },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'legacy' } },
        template: {
          metadata: {
            labels: { app: 'legacy', 'managed-by': 'pctl', 'pctl-stack': STACK, 'pctl-service': `${STACK}-legacy` },
          },
          spec: { containers: [{ name: 'legacy', image: 'busybox:latest' }] },
        },
      },
    });
    const s = state();
    s[`${STACK}-legacy`] = {
      provider: 'aws',
      image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/legacy:1710000000000`,
      labels: { 'managed-by': 'pctl', 'pctl-stack': STACK, 'pctl-service': `${STACK}-legacy` },
      fingerprint: 'sha256-old',
      replica: 1,
      hasPorts: false,
      pushedByPctl: true,
      cluster: CLUSTER,
      namespace: NS,
      registryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/legacy`,
      hasHpa: false,
      hasRbac: false,
      hasPvc: false,
      hasPv: false,
      hasPullSecret: false,
    };
    // And the web service as the original recorded it: deployed again, in place.
    const { [`${STACK}-legacy`]: legacy } = s;
    s[`${STACK}-web`] = {
      ...legacy,
      image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web:1710000000000`,
      labels: { ...legacy.labels, 'pctl-service': `${STACK}-web` },
      hasPorts: true,
      registryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web`,
    };
    writeFileSync(stateFile(), JSON.stringify(s, null, 2));
    const r = await run(['deploy', '--json', '--verbose'], { AWS_REGION: REGION });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toMatchObject({ [`${STACK}-web`]: 'deployed' });
    expect(deploymentImage('web')).toBe(`127.0.0.1:${regPort}/${STACK}-web:${webTag}`);
    expect(state()[`${STACK}-web`]).toMatchObject({
      provider: 'aws',
      cluster: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`,
    });
    expect(kube.get('Deployment', NS, `${STACK}-legacy`)).toBeUndefined();
    expect(state()[`${STACK}-legacy`]?.destroyed ?? true).toBe(true);
    noLeak(r);
  });

  it('signs a new EKS token when the one in use expires in the middle of a rollout', async () => {
    writeFileSync(path.join(dir, 'pctl.yaml'), yaml([service('web', '    env: { ROUND: "renewal" }\n')]));
    kube.controls.pauseControllers();
    try {
      const running = run(['deploy', '--json']);
      await kube.waitFor(
        () =>
          (
            kube.get('Deployment', NS, `${STACK}-web`) as unknown as
              | { spec: { template: { spec: { containers: { env?: { value: string }[] }[] } } } }
              | undefined
          )?.spec.template.spec.containers[0]!.env?.some((e) => e.value === 'renewal') === true,
        120_000,
      );
      const inUse = presented.at(-1)!;
      const date = new URL(Buffer.from(inUse.slice('k8s-aws-v1.'.length), 'base64url').toString()).searchParams.get(
        'X-Amz-Date',
      )!;
      const signedAt = Date.parse(
        `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
      );
      // Four seconds on, move AWS's clock to one second past the token's 15 minutes: that token
      // is refused from now on; one signed now is under 14m58s old on that clock, and still good.
      await kube.waitFor(() => Date.now() >= signedAt + 4000, 10_000);
      fake.setClockOffset(signedAt + 15 * 60_000 + 1000 - Date.now());
      expect(await auth(inUse)).toBe(false);
      expect(auth.rejections.at(-1)).toMatch(/expired \(15 minute expiration\)/);
      const accepted = auth.identities.length;
      kube.controls.resumeControllers();
      const r = await running;
      if (r.exitCode !== 0) console.error(r.stderr, auth.rejections.slice(-3));
      expect(r.exitCode).toBe(0);
      expect(results(r.stdout)).toMatchObject({ [`${STACK}-web`]: 'deployed' });
      // The expired token was refused (401), a new one was signed and taken.
      expect(kube.requests.filter((q) => q.status === 401).length).toBeGreaterThan(0);
      const after = presented.slice(presented.lastIndexOf(inUse) + 1);
      expect(after.some((t) => t !== inUse)).toBe(true);
      expect(auth.identities.length).toBeGreaterThan(accepted);
      noLeak(r);
    } finally {
      fake.setClockOffset(0);
      kube.controls.resumeControllers();
    }
  });

  it('says in one line which call failed, on what, and the fix', async () => {
    writeFileSync(path.join(dir, 'web/index.html'), 'a change, so the deploy talks to AWS');
    const cases: {
      name: string;
      env?: Record<string, string>;
      fail?: [string, string];
      file?: string;
      expect: RegExp;
    }[] = [
      {
        name: 'wrong secret',
        env: { AWS_SECRET_ACCESS_KEY: 'not-the-secret-key-000000' },
        expect: /STS GetCallerIdentity .*SignatureDoesNotMatch.*check the access key and secret/,
      },
      {
        name: 'expired session',
        env: {
          AWS_ACCESS_KEY_ID: expiredSession.accessKeyId,
          AWS_SECRET_ACCESS_KEY: expiredSession.secretAccessKey,
          AWS_SESSION_TOKEN: expiredSession.sessionToken,
        },
        expect: /STS GetCallerIdentity in eu-west-1: ExpiredToken: .*get new credentials/,
      },
      {
        name: 'no credentials',
        env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
        expect: /AwsCredentials|Could not load credentials.*AWS_PROFILE/,
      },
      {
        name: 'unknown cluster',
        file: yaml([service('web').replace(`cluster: ${CLUSTER}`, 'cluster: nosuch')]),
        expect:
          /EKS DescribeCluster cluster nosuch in eu-west-1: ResourceNotFoundException: .*aws eks list-clusters --region eu-west-1/,
      },
      {
        name: 'access denied',
        fail: ['DescribeCluster', 'AccessDeniedException'],
        expect: /EKS DescribeCluster cluster prod in eu-west-1: AccessDeniedException: .*needs eks:DescribeCluster/,
      },
      {
        name: 'throttled',
        fail: ['DescribeImages', 'ThrottlingException'],
        expect: /ECR DescribeImages .*ThrottlingException: .*run again in a minute/,
      },
    ];
    for (const c of cases) {
      writeFileSync(path.join(dir, 'pctl.yaml'), c.file ?? yaml([service('web')]));
      if (c.fail) fake.fail(c.fail[0], c.fail[1]);
      try {
        const r = await run(['deploy'], c.env ?? {});
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
        expect(r.exitCode, c.name).toBe(1);
        expect(errors, `${c.name}: ${r.stderr}`).toHaveLength(1);
        expect(errors[0], c.name).toMatch(c.expect);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        noLeak(r);
      } finally {
        fake.clearFailures();
      }
    }
  });

  it('takes explicit options.credentials, and keeps their secret out of output and state', async () => {
    const withCreds = yaml([
      service('web').replace(
        `region: ${REGION}\n`,
        `region: ${REGION}\n        credentials: { region: ${REGION}, access_key_id: ${main.accessKeyId}, secret_access_key: "${main.secretAccessKey}" }\n`,
      ),
    ]);
    writeFileSync(path.join(dir, 'pctl.yaml'), withCreds);
    const r = await run(['deploy', '--json', '--verbose'], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toMatchObject({ [`${STACK}-web`]: 'deployed' });
    noLeak(r);
  });

  it('loads no AWS SDK for --help, validate, plan and render of an aws stack', async () => {
    const trace = path.join(tmp.dir, 'trace.txt');
    writeTree(tmp.dir, {
      'trace.txt': '',
      'hooks.mjs':
        "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.PCTL_TRACE, r.url + '\\n'); return r; }\n",
      'register.mjs': "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n",
    });
    for (const args of [['--help'], ['validate'], ['plan'], ['render']]) {
      const r = await pctl(args, {
        cwd: dir,
        env: { ...env, PCTL_TRACE: trace, NODE_OPTIONS: `--import ${tmp.dir}/register.mjs` },
      });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const loaded = readFileSync(trace, 'utf8');
    expect(loaded).toContain('packages/cli/bundle/provider-aws.js');
    expect(loaded).not.toMatch(/@aws-sdk|@smithy|@aws-crypto/);
  });
});

describe('aws provider, conformance kit', () => {
  it('keeps every promise of the contract: an image pctl built pushed to ECR, run on EKS, all gone after destroy', async () => {
    Object.assign(process.env, env);
    kube.controls.failImage('pctl-kit-no-such-image', 'ErrImagePull');
    const built = `pctl-kit-aws:${process.pid}`;
    await execa('docker', ['tag', 'busybox:latest', built]);
    const options = {
      cluster: CLUSTER,
      namespace: 'kit',
      region: REGION,
      registryHost: `127.0.0.1:${regPort}`,
      rolloutTimeout: 60,
    };
    // Objects on the cluster and repositories in ECR, seen by the fakes themselves.
    const observe = async (stack: string) => [
      ...labelledObjects(kube, stack),
      ...[...fake.repositories().keys()].filter((n) => n.startsWith(stack)).map((n) => `ecr/${n}`),
    ];
    const r = await runConformance({
      provider: awsProvider as unknown as ProviderV1,
      service: { image: built, command: 'sleep 3600', ports: [8080], provider: { name: 'aws', options } },
      image: { ref: built, builtByPctl: true, buildHash: 'f'.repeat(64) },
      failingService: { image: 'pctl-kit-no-such-image:404', provider: { name: 'aws', options } },
      observe,
      cwd: tmp.dir,
    });
    await execa('docker', ['rmi', built], { reject: false });
    expect(r.ok, r.summary()).toBe(true);
    // The inner-loop checks come in the second pass, on pods that run.
    expect(skippedChecks(r), r.summary()).toEqual(INNER_CHECK_IDS);
  }, 600_000);

  it('keeps the promises of logs, exec and port-forward on an EKS cluster whose pods run (the Docker-backed kubelet)', async () => {
    Object.assign(process.env, env);
    // A second EKS cluster: it too takes only EKS tokens (for its own name) that STS vouches for.
    const pods = await startKubeApiServer({
      contextName: 'eks-pods',
      runtime: 'docker',
      dockerNamePrefix: 'kv-aws',
      authenticate: eksAuthenticator({ stsEndpoint: fake.endpoint, clusterId: 'pods', now: () => fake.now() }),
    });
    try {
      fake.addCluster('pods', { endpoint: pods.url, caData: pods.kubeConfig.getCluster(pods.contextName)!.caData! });
      const innerLoop = kubeInnerLoop({ name: 'aws', options: { cluster: 'pods', namespace: 'kit', region: REGION } });
      const r = await runConformance({
        provider: awsProvider as unknown as ProviderV1,
        service: innerLoop.service,
        innerLoop,
        only: INNER_CHECK_IDS,
        observe: async (stack) => labelledObjects(pods, stack),
        cwd: tmp.dir,
      });
      expect(r.ok, r.summary()).toBe(true);
      // Nothing may be skipped: the kube skeleton has every inner-loop verb.
      expect(skippedChecks(r), r.summary()).toEqual(INNER_LOOP_CHECKS);
      expect(pods.controllerErrors).toEqual([]);
    } finally {
      await pods.close();
    }
  }, 180_000);
});
