// One stack file, shared by a team through one s3 state: `dev` deployed on the real Docker
// engine (its own local state), `prod` on aws (the AWS fake, EKS on the Kubernetes API test
// server, a real registry as ECR) with its state in the fake's S3. prod deployed from two
// separate folders (two "machines": no local state, no build cache in the second): the
// second sees everything unchanged. Two deploys at once: the second fails naming the
// holder, or waits for it and then finds the first one's work done.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { current } from '../aws-fake/s3Bucket.js';
import { startAwsWorld, type AwsWorld } from '../helpers/awsWorld.js';
import { pctlBin } from '../helpers/cli.js';
import { containerIds, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const NAME = `gcs-sa-${process.pid}`;
const DEV = `${NAME}-dev`;
const PROD = `${NAME}-prod`;
const BUCKET = 'gcs-sa-team-state';
const KEY = `shop/${PROD}.json`;
const files = {
  'pctl.yaml': `name: ${NAME}
services:
  web:
    image: busybox:latest
    command: sleep 3600
    env: { GREETING: "\${env:SA_GREETING, hello}" }
    provider: { name: docker }
  api:
    image: ./api
    provider: { name: docker }
environments:
  dev: {}
  prod:
    state:
      backend: s3
      bucket: ${BUCKET}
      key: ${KEY}
      region: eu-west-1
      usePathStyle: true
    services:
      web: { provider: { name: aws, options: { cluster: prod, namespace: shop, region: eu-west-1 } } }
      api:
        provider:
          name: aws
          options: { cluster: prod, namespace: shop, region: eu-west-1, registryHost: "\${env:SA_REGISTRY_HOST}" }
`,
  'api/Dockerfile': 'FROM busybox:latest\nCOPY msg.txt /msg.txt\nCMD ["sleep", "3600"]\n',
  'api/msg.txt': 'built in either folder, the same\n',
};
const laptop = useStack({ prefix: 'pctl-gcs-sa-laptop-', files });
const ci = useStack({ prefix: 'pctl-gcs-sa-ci-', files });
let world: AwsWorld;
let env: Record<string, string>;

beforeAll(async () => {
  await requireDocker();
  world = await startAwsWorld({
    accountId: '210987654321',
    region: 'eu-west-1',
    cluster: 'prod',
    credentials: [{ accessKeyId: 'AKIAPCTLSHAREDSTATE1', secretAccessKey: 'pctl-e2e/shared-state+Key0000000000001' }],
    registryPassword: 'sa-registry-password-7e1f',
  });
  world.fake.addBucket(BUCKET, { versioning: true });
  env = { ...world.env, AWS_REGION: 'eu-west-1', SA_REGISTRY_HOST: world.registryHost };
}, 120_000);
afterAll(async () => {
  await removeStack(DEV);
  await removeStack(PROD);
  await world?.stop();
}, 60_000);

const results = (stdout: string) =>
  Object.fromEntries(
    (JSON.parse(stdout) as { services: { key: string; result: string }[] }).services.map((s) => [s.key, s.result]),
  );
const bucket = () => world.fake.buckets().get(BUCKET)!;
const deployment = (name: string) =>
  world.kube.get('Deployment', 'shop', `${PROD}-${name}`) as unknown as {
    spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
  };
// A pctl run left running (to stop and continue it), in a folder.
const start = (cwd: string, args: string[], extra: Record<string, string> = {}) =>
  execa(process.execPath, [pctlBin, ...args], {
    cwd,
    env: { NO_COLOR: '1', ...env, ...extra },
    reject: false,
    input: '',
    timeout: 300_000,
  });

describe('one stack file: dev on Docker, prod on aws with its state in s3', () => {
  it('deploys dev on Docker with its own local state; nothing goes to the bucket', async () => {
    const r = await laptop.pctl(['deploy', '--env', 'dev', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${DEV}-api`]: 'deployed', [`${DEV}-web`]: 'deployed' });
    expect(Object.keys(await containerIds(DEV)).sort()).toEqual([`${DEV}-api`, `${DEV}-web`]);
    expect(existsSync(laptop.path(`pctl.${DEV}.json`))).toBe(true);
    expect(bucket().objects.size).toBe(0);
  });

  it('deploys prod on aws from the first folder: the state is in the bucket, not beside the stack', async () => {
    const r = await laptop.pctl(['deploy', '--env', 'prod', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${PROD}-api`]: 'deployed', [`${PROD}-web`]: 'deployed' });
    expect(JSON.parse(r.stdout).stateFile).toBe(`s3://${BUCKET}/${KEY}`);
    expect(existsSync(laptop.path(`pctl.${PROD}.json`))).toBe(false);
    expect(JSON.parse(current(bucket(), KEY)!.body.toString())).toMatchObject({
      stack: PROD,
      state: { [`${PROD}-api`]: { provider: 'aws' }, [`${PROD}-web`]: { provider: 'aws' } },
    });
    expect(deployment('web').spec.template.spec.containers[0]!.env).toEqual(
      expect.arrayContaining([{ name: 'GREETING', value: 'hello' }]),
    );
    expect(await containerIds(PROD)).toEqual({});
  });

  it('the second folder (no local state, no build cache) sees everything unchanged', async () => {
    expect(existsSync(ci.path('.pctl'))).toBe(false);
    const plan = await ci.pctl(['plan', '--env', 'prod', '--exit-code'], { env });
    expect(plan.exitCode, plan.stderr).toBe(0);
    const r = await ci.pctl(['deploy', '--env', 'prod', '--json'], { env });
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${PROD}-api`]: 'skipped', [`${PROD}-web`]: 'skipped' });
  });

  it('deploys from both at once: one fails naming the holder, one waits and then finds the work done', async () => {
    const change = { SA_GREETING: 'hello v2' };
    const lockRefusals = () => world.fake.calls.filter((c) => c.op === 'PutObject' && c.status === 412).length;
    const first = start(laptop.dir, ['deploy', '--env', 'prod', '--json'], change);
    const pid = first.pid!;
    // Caught holding the lock: stopped, so the other folder's runs meet it whatever the machine's speed.
    await until('the first deploy holds the lock', () => current(bucket(), `${KEY}.lock`));
    process.kill(pid, 'SIGSTOP');
    try {
      const holder = JSON.parse(current(bucket(), `${KEY}.lock`)!.body.toString());
      expect(holder).toMatchObject({ pid, host: os.hostname(), command: 'deploy' });
      const failed = await ci.pctl(['deploy', '--env', 'prod', '--no-wait', '--json'], { env: { ...env, ...change } });
      expect(failed.exitCode).toBe(1);
      expect(JSON.parse(failed.stdout).error).toMatchObject({
        code: 'LockHeld',
        message: expect.stringMatching(
          new RegExp(`^stack is locked by pid ${pid} on ${os.hostname()} \\(deploy, since `),
        ),
      });
      const before = lockRefusals();
      const second = start(ci.dir, ['deploy', '--env', 'prod', '--lock-timeout', '5m', '--json'], change);
      await until('the second deploy found the lock held twice', () => lockRefusals() >= before + 2);
      process.kill(pid, 'SIGCONT');
      const a = await first;
      expect(a.exitCode, a.stderr).toBe(0);
      expect(results(a.stdout)).toEqual({ [`${PROD}-api`]: 'skipped', [`${PROD}-web`]: 'deployed' });
      const b = await second;
      expect(b.exitCode, b.stderr).toBe(0);
      expect(b.stderr).toContain(`waiting for the lock: held by pid ${pid} on ${os.hostname()} (deploy, since`);
      expect(results(b.stdout)).toEqual({ [`${PROD}-api`]: 'skipped', [`${PROD}-web`]: 'skipped' });
      // The value from the environment reached the cluster (as a Secret: it came from the environment).
      const secret = world.kube.get('Secret', 'shop', `${PROD}-web-env`) as unknown as { data: Record<string, string> };
      expect(Buffer.from(secret.data.GREETING!, 'base64').toString()).toBe('hello v2');
      expect(current(bucket(), `${KEY}.lock`)).toBeUndefined();
    } finally {
      // Never left stopped, whatever failed above (it may have exited already).
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
  });
});
