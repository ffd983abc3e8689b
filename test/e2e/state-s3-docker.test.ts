// One docker stack deployed from two separate folders (two "machines") sharing one s3 state
// on the AWS fake: the second sees everything unchanged; a run that finds the lock held on
// another host fails naming it; no secret value reaches the stored state (canary); a
// corrupt state stops a deploy with nothing written; state pull / push / history /
// migrate move the state between s3 and a local file.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsFake, type AwsFake } from '../aws-fake/index.js';
import { current, putVersion } from '../aws-fake/s3Bucket.js';
import { containerIds, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const backendModule = fileURLToPath(new URL('../../packages/core/dist/state/backend/s3.js', import.meta.url));

const STACK = `st-shared-${process.pid}`;
const BUCKET = 'st-team-state';
const KEY = `shop/${STACK}.json`;
const REGION = 'eu-west-1';
const CANARY = 'Zr8Kq2Wm5Tx9Lp4Hv7Nc1Bd6Fs3Gy0J';
const creds = { accessKeyId: 'AKIAFAKETEAM0000001', secretAccessKey: 'team-secret' };
const yaml = `name: ${STACK}
secrets: [ST_TOKEN]
state:
  backend: s3
  bucket: ${BUCKET}
  key: ${KEY}
  region: ${REGION}
  endpoint: \${env:ST_S3_ENDPOINT}
  usePathStyle: true
services:
  api:
    image: busybox:latest
    command: sleep 3600
    env: { TOKEN: "\${env:ST_TOKEN}" }
    provider: { name: docker, options: { timeout: 5 } }
  worker:
    image: busybox:latest
    command: sleep 3600
    provider: { name: docker, options: { timeout: 5 } }
`;
const laptop = useStack({ prefix: 'pctl-st-laptop-', files: { 'pctl.yaml': yaml } });
const ci = useStack({ prefix: 'pctl-st-ci-', files: { 'pctl.yaml': yaml } });
let fake: AwsFake;
let env: Record<string, string>;

beforeAll(async () => {
  await requireDocker();
  fake = await startAwsFake({ region: REGION, credentials: [creds], buckets: { [BUCKET]: { versioning: true } } });
  env = {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PROFILE: '',
    ST_S3_ENDPOINT: fake.endpoint,
    ST_TOKEN: CANARY,
  };
});
afterAll(async () => {
  await removeStack(STACK);
  await fake?.stop();
});

const results = (stdout: string) =>
  Object.fromEntries(
    (JSON.parse(stdout) as { services: { key: string; result: string }[] }).services.map((s) => [s.key, s.result]),
  );
const stored = () => current(fake.buckets().get(BUCKET)!, KEY);

describe('a docker stack sharing one s3 state from two folders', () => {
  it('deploys from the first folder; the state is in the bucket, not beside the stack, and holds no secret', async () => {
    const r = await laptop.pctl(['deploy', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'deployed', [`${STACK}-worker`]: 'deployed' });
    expect(JSON.parse(r.stdout).stateFile).toBe(`s3://${BUCKET}/${KEY}`);
    expect(existsSync(laptop.path(`pctl.${STACK}.json`))).toBe(false);
    const body = stored()!.body.toString();
    expect(JSON.parse(body)).toMatchObject({
      pctlStateFormat: 1,
      stack: STACK,
      state: { [`${STACK}-api`]: { provider: 'docker' } },
    });
    // The canary reached the container, and nowhere into the stored state (nor any version of it).
    expect(
      await (await import('../helpers/docker.js')).docker([
        'inspect',
        '-f',
        '{{range .Config.Env}}{{println .}}{{end}}',
        `${STACK}-api`,
      ]),
    ).toContain(`TOKEN=${CANARY}`);
    for (const v of fake.buckets().get(BUCKET)!.objects.get(KEY)!) expect(v.body.toString()).not.toContain(CANARY);
    expect(
      fake.buckets().get(BUCKET)!.objects.has(`${KEY}.lock`) && current(fake.buckets().get(BUCKET)!, `${KEY}.lock`),
    ).toBeFalsy();
  });

  it('the second folder (another "machine", no local state, no build cache) sees everything unchanged', async () => {
    const before = await containerIds(STACK);
    const r = await ci.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'skipped', [`${STACK}-worker`]: 'skipped' });
    expect(await containerIds(STACK)).toEqual(before);
    const plan = await ci.pctl(['plan', '--json'], { env });
    expect(results(plan.stdout)).toEqual({ [`${STACK}-api`]: 'planned', [`${STACK}-worker`]: 'planned' });
    expect(JSON.parse(plan.stdout).services.map((s: { action: string }) => s.action)).toEqual([
      'unchanged',
      'unchanged',
    ]);
  });

  it('a run that finds the lock held on another host fails naming it; unlock needs --force', async () => {
    const bucket = fake.buckets().get(BUCKET)!;
    const versionsBefore = bucket.objects.get(KEY)!.length;
    putVersion(
      bucket,
      `${KEY}.lock`,
      Buffer.from(
        JSON.stringify({
          pid: 31337,
          host: 'ci-runner-9',
          command: 'deploy',
          startedAt: '2026-12-06T20:00:00Z',
          runId: 'other',
        }),
      ),
      'application/json',
      Date.now(),
    );
    const r = await ci.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'LockHeld',
      message: `stack is locked by pid 31337 on ci-runner-9 (deploy, since 2026-12-06T20:00:00Z): s3://${BUCKET}/${KEY}.lock`,
    });
    const waited = await ci.pctl(['deploy', '--lock-timeout', '1s'], { env });
    expect(waited.exitCode).toBe(1);
    expect(waited.stderr).toContain('waiting for the lock: held by pid 31337 on ci-runner-9');
    expect(waited.stderr).toContain('error: gave up after 1s waiting for the lock held by pid 31337 on ci-runner-9');
    const refused = await laptop.pctl(['state', 'unlock'], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('on another host (ci-runner-9)');
    const forced = await laptop.pctl(['state', 'unlock', '--force'], { env });
    expect(forced.exitCode).toBe(0);
    expect(forced.stderr).toContain(
      `removed the lock s3://${BUCKET}/${KEY}.lock (held by pid 31337 on ci-runner-9, deploy)`,
    );
    expect(bucket.objects.get(KEY)!.length).toBe(versionsBefore);
  });

  it('a concurrent run on this host: a deploy fails naming it, or waits for it and then goes on', async () => {
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
      import { S3Backend } from ${JSON.stringify(backendModule)};
      import { createInterface } from 'node:readline';
      const b = new S3Backend({ backend: 's3', bucket: '${BUCKET}', key: '${KEY}', region: '${REGION}', endpoint: process.env.ST_S3_ENDPOINT, usePathStyle: true }, '${STACK}');
      const lock = await b.lock({ wait: false, command: 'deploy' });
      console.log('held');
      for await (const line of createInterface({ input: process.stdin })) if (line === 'release') { await lock.release(); console.log('released'); }
    `,
      ],
      { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const out = createInterface({ input: holder.stdout! });
    const lines: string[] = [];
    out.on('line', (l) => lines.push(l));
    try {
      await until('the other run holds the lock', () => lines.includes('held'));
      const failed = await ci.pctl(['deploy', '--no-wait', '--json'], { env });
      expect(failed.exitCode).toBe(1);
      expect(JSON.parse(failed.stdout).error).toMatchObject({
        code: 'LockHeld',
        message: expect.stringMatching(
          new RegExp(`^stack is locked by pid ${holder.pid} on ${os.hostname()} \\(deploy, since `),
        ),
      });
      const refused = await ci.pctl(['state', 'unlock'], { env });
      expect(refused.stderr).toContain('and it is still running');
      const refusedLocks = () => fake.calls.filter((c) => c.op === 'PutObject' && c.status === 412).length;
      const before = refusedLocks();
      const waiting = ci.pctl(['deploy', '--lock-timeout', '5m', '--json'], { env });
      // Its second refused attempt: it has seen the holder (and said so) at least once.
      await until('the second deploy found the lock held twice', () => refusedLocks() >= before + 2);
      holder.stdin!.write('release\n');
      const r = await waiting;
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain(`waiting for the lock: held by pid ${holder.pid} on ${os.hostname()} (deploy, since`);
      expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'skipped', [`${STACK}-worker`]: 'skipped' });
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('state history lists the versions; pull writes one out', async () => {
    const h = await ci.pctl(['state', 'history', '--json'], { env });
    expect(h.exitCode).toBe(0);
    const versions = JSON.parse(h.stdout).versions as { version: string; latest: boolean }[];
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions[0]!.latest).toBe(true);
    const first = versions.at(-1)!.version;
    const p = await ci.pctl(['state', 'pull', '--version-id', first, '-o', 'old.json'], { env });
    expect(p.exitCode).toBe(0);
    expect(JSON.parse(ci.read('old.json'))).toEqual(expect.any(Object));
    const now = await ci.pctl(['state', 'pull'], { env });
    expect(Object.keys(JSON.parse(now.stdout)).sort()).toEqual([`${STACK}-api`, `${STACK}-worker`]);
    expect(now.stdout).not.toContain(CANARY);
  });

  it('push refuses to forget a deployed service without --force', async () => {
    const now = JSON.parse((await ci.pctl(['state', 'pull'], { env })).stdout) as Record<string, unknown>;
    delete now[`${STACK}-worker`];
    writeFileSync(ci.path('less.json'), JSON.stringify(now));
    const r = await ci.pctl(['state', 'push', 'less.json'], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`records ${STACK}-worker, which the pushed state does not; nothing was written`);
  });

  it('migrate moves it to a local file and back, each time verified before the source goes', async () => {
    const file = laptop.path('moved.json');
    const out = await laptop.pctl(['state', 'migrate', '--to', file, '--json'], { env });
    expect(out.stderr).not.toMatch(/^error/m);
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ from: `s3://${BUCKET}/${KEY}`, to: file, entries: 2 });
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8'))).sort()).toEqual([`${STACK}-api`, `${STACK}-worker`]);
    expect(stored()).toBeUndefined();
    // With the state now local (--state), a deploy still finds everything unchanged.
    const r = await laptop.pctl(['deploy', '--json', '--state', file], { env });
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'skipped', [`${STACK}-worker`]: 'skipped' });
    const back = await laptop.pctl(
      [
        'state',
        'migrate',
        '--to',
        `s3://${BUCKET}/${KEY}?region=${REGION}&endpoint=${encodeURIComponent(fake.endpoint)}&usePathStyle=true`,
      ],
      { env: { ...env, PCTL_STATE: file } },
    );
    expect(back.exitCode).toBe(0);
    expect(existsSync(file)).toBe(false);
    const again = await ci.pctl(['deploy', '--json'], { env });
    expect(results(again.stdout)).toEqual({ [`${STACK}-api`]: 'skipped', [`${STACK}-worker`]: 'skipped' });
  });

  it('a corrupt state stops a deploy with its code; nothing is written and the object is kept', async () => {
    const bucket = fake.buckets().get(BUCKET)!;
    putVersion(bucket, KEY, Buffer.from('{"pctlStateFormat": 1, "stack": "'), 'application/json', Date.now());
    const versions = bucket.objects.get(KEY)!.length;
    const r = await ci.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'StateCorrupt',
      message: expect.stringContaining(`s3://${BUCKET}/${KEY} is not valid JSON`),
    });
    expect(bucket.objects.get(KEY)!.length).toBe(versions);
    expect(stored()!.body.toString()).toBe('{"pctlStateFormat": 1, "stack": "');
    expect(current(bucket, `${KEY}.lock`)).toBeUndefined();
    expect(os.hostname()).toBeTruthy();
  });
});
