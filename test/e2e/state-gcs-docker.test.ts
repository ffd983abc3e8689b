// The CLI on the gcs state backend (the GCS fake, credentials through ADC): a docker stack
// deployed from two folders sharing one gcs state, the second sees everything unchanged;
// the lock held on another host is named and unlock needs --force; history lists the
// object's generations and pull reads one; migrate moves the state to a local file; no
// secret value reaches any generation of the stored state.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsFake, live, putGeneration, startGcsFake } from '../gcs-fake/index.js';
import { docker, removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const STACK = `gcs-shared-${process.pid}`;
const BUCKET = 'gcs-team-state';
const OBJECT = `shop/${STACK}.json`;
const CANARY = 'Gq7Vx2Lm9Tz4Kp1Hw8Nd3Bf6Rs5Jy0C';
const yaml = `name: ${STACK}
secrets: [GCS_TOKEN]
state:
  backend: gcs
  bucket: ${BUCKET}
  object: ${OBJECT}
  endpoint: \${env:GCS_ENDPOINT}
services:
  api:
    image: busybox:latest
    command: sleep 3600
    env: { TOKEN: "\${env:GCS_TOKEN}" }
    provider: { name: docker, options: { timeout: 5 } }
`;
const laptop = useStack({ prefix: 'pctl-gcs-laptop-', files: { 'pctl.yaml': yaml } });
const ci = useStack({ prefix: 'pctl-gcs-ci-', files: { 'pctl.yaml': yaml } });
let fake: GcsFake;
let env: Record<string, string>;

beforeAll(async () => {
  await requireDocker();
  fake = await startGcsFake({ buckets: { [BUCKET]: { versioning: true } } });
  env = {
    GOOGLE_APPLICATION_CREDENTIALS: fake.credentialsFile,
    GOOGLE_CLOUD_PROJECT: 'pctl-gcs-test',
    GCS_ENDPOINT: fake.endpoint,
    GCS_TOKEN: CANARY,
    NO_PROXY: '127.0.0.1,localhost',
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
const bucket = () => fake.buckets.get(BUCKET)!;

describe('a docker stack sharing one gcs state from two folders', () => {
  it('deploys from the first folder: the state is an object in the bucket and holds no secret', async () => {
    const r = await laptop.pctl(['deploy', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'deployed' });
    expect(JSON.parse(r.stdout).stateFile).toBe(`gs://${BUCKET}/${OBJECT}`);
    expect(existsSync(laptop.path(`pctl.${STACK}.json`))).toBe(false);
    expect(JSON.parse(live(bucket(), OBJECT)!.body.toString())).toMatchObject({
      pctlStateFormat: 1,
      stack: STACK,
      state: { [`${STACK}-api`]: { provider: 'docker' } },
    });
    expect(await docker(['inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', `${STACK}-api`])).toContain(
      `TOKEN=${CANARY}`,
    );
    for (const g of bucket().objects.get(OBJECT)!) expect(g.body.toString()).not.toContain(CANARY);
    expect(live(bucket(), `${OBJECT}.lock`)).toBeUndefined();
    // Every call carried the token ADC got (the fake answers 401 otherwise).
    expect(fake.calls.filter((c) => c.status === 401)).toEqual([]);
  });

  it('the second folder (another "machine", no local state) sees everything unchanged', async () => {
    const r = await ci.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ [`${STACK}-api`]: 'skipped' });
  });

  it('the lock held on another host is named; unlock needs --force', async () => {
    putGeneration(
      bucket(),
      `${OBJECT}.lock`,
      Buffer.from(
        JSON.stringify({ pid: 31337, host: 'ci-runner-9', command: 'deploy', startedAt: '2026-12-06T20:00:00Z' }),
      ),
    );
    const r = await ci.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'LockHeld',
      message: `stack is locked by pid 31337 on ci-runner-9 (deploy, since 2026-12-06T20:00:00Z): gs://${BUCKET}/${OBJECT}.lock`,
    });
    const waited = await ci.pctl(['deploy', '--lock-timeout', '1s'], { env });
    expect(waited.exitCode).toBe(1);
    expect(waited.stderr).toContain('error: gave up after 1s waiting for the lock held by pid 31337 on ci-runner-9');
    const refused = await laptop.pctl(['state', 'unlock'], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('on another host (ci-runner-9)');
    const forced = await laptop.pctl(['state', 'unlock', '--force'], { env });
    expect(forced.exitCode).toBe(0);
    expect(forced.stderr).toContain(`removed the lock gs://${BUCKET}/${OBJECT}.lock (held by pid 31337 on ci-runner-9`);
  });

  it('state history lists the generations; pull reads one; migrate moves the state to a file', async () => {
    await laptop.pctl(['deploy', '--force', '--json'], { env });
    const h = await ci.pctl(['state', 'history', '--json'], { env });
    expect(h.exitCode).toBe(0);
    const versions = JSON.parse(h.stdout).versions as { version: string; latest: boolean }[];
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect(versions.map((v) => v.latest)).toEqual([true, ...versions.slice(1).map(() => false)]);
    expect(versions.map((v) => v.version)).toEqual(
      bucket()
        .objects.get(OBJECT)!
        .map((g) => g.generation)
        .reverse(),
    );
    const p = await ci.pctl(['state', 'pull', '--version-id', versions.at(-1)!.version, '-o', 'old.json'], { env });
    expect(p.exitCode).toBe(0);
    expect(Object.keys(JSON.parse(ci.read('old.json')))).toEqual([`${STACK}-api`]);
    const file = laptop.path('moved.json');
    const out = await laptop.pctl(['state', 'migrate', '--to', file, '--json'], { env });
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ from: `gs://${BUCKET}/${OBJECT}`, to: file, entries: 1 });
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual([`${STACK}-api`]);
    expect(live(bucket(), OBJECT)).toBeUndefined();
    const back = await laptop.pctl(
      ['state', 'migrate', '--to', `gs://${BUCKET}/${OBJECT}?endpoint=${encodeURIComponent(fake.endpoint)}`],
      { env: { ...env, PCTL_STATE: file } },
    );
    expect(back.stderr).not.toMatch(/^error/m);
    expect(back.exitCode).toBe(0);
    const again = await ci.pctl(['deploy', '--json'], { env });
    expect(results(again.stdout)).toEqual({ [`${STACK}-api`]: 'skipped' });
  });
});
