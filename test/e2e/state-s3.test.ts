// The s3 state backend against the AWS fake's S3 (SigV4 checked on every request): 16
// processes racing for the lock for 40 rounds (a fresh lock, and stale ones to take over)
// with exactly one holder each round; kill -9 in the middle of writes leaves a state that
// parses; a corrupt, foreign or newer state is refused and kept as it was.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Backend } from '../../packages/core/src/state/backend/s3.js';
import { StateStore } from '../../packages/core/src/state/stateStore.js';
import { startAwsFake, type AwsFake } from '../aws-fake/index.js';
import { current, putVersion } from '../aws-fake/s3Bucket.js';
import { deadPid, raceForLock, spawnChild, takerSource as takerSourceFor } from '../helpers/lockRace.js';
import { migrateLeavesForeign } from '../helpers/migrateForeign.js';
import { until } from '../helpers/until.js';

const TAKERS = 16;
const ROUNDS = 40;
const REGION = 'eu-west-1';
const BUCKET = 'st-race';
const creds = { accessKeyId: 'AKIAFAKESTATE000001', secretAccessKey: 'state-secret' };
const backendModule = fileURLToPath(new URL('../../packages/core/dist/state/backend/s3.js', import.meta.url));
let fake: AwsFake;
const children: ChildProcessWithoutNullStreams[] = [];

const saved = { ...process.env };
beforeAll(async () => {
  fake = await startAwsFake({ region: REGION, credentials: [creds], buckets: { [BUCKET]: { versioning: true } } });
  // The backends in this process find the credentials as the CLI would: in the environment.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await fake.stop();
  process.env = saved;
});

const cfg = (key: string) => ({
  backend: 's3' as const,
  bucket: BUCKET,
  key,
  region: REGION,
  endpoint: fake.endpoint,
  usePathStyle: true,
});
const childEnv = () => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: creds.accessKeyId,
  AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const child = (source: string, args: string[]) => spawnChild(source, args, childEnv(), children);

const takerSource = takerSourceFor(backendModule, 'S3Backend', `new S3Backend(JSON.parse(process.argv[1]), 'st-race')`);

describe('s3 lock', () => {
  it(`${TAKERS} processes racing for the lock, fresh or stale: exactly one holder, ${ROUNDS} rounds`, async () => {
    const key = 'race/pctl.st-race.json';
    const lockKey = `${key}.lock`;
    const gone = await deadPid();
    const takers = Array.from({ length: TAKERS }, () => child(takerSource, [JSON.stringify(cfg(key))]));
    const bucket = fake.buckets().get(BUCKET)!;
    await raceForLock({
      takers,
      rounds: ROUNDS,
      leadMs: 300,
      // Round kinds: no lock (a create race), a dead holder on this host, a lock naming no holder.
      seed: (round, kind) => {
        if (kind === 1)
          putVersion(
            bucket,
            lockKey,
            Buffer.from(
              JSON.stringify({ pid: gone, host: os.hostname(), command: 'deploy', startedAt: `round ${round}` }),
            ),
            'application/json',
            Date.now(),
          );
        if (kind === 2) putVersion(bucket, lockKey, Buffer.from(`garbage ${round}`), 'application/json', Date.now());
      },
      // The lock names the winner, a live process on this host.
      holderPid: () => {
        const holder = JSON.parse(current(bucket, lockKey)!.body.toString()) as { pid: number };
        expect(holder).toMatchObject({ host: os.hostname(), command: 'race', runId: expect.any(String) });
        return holder.pid;
      },
      free: () => current(bucket, lockKey) === undefined,
    });
  }, 600_000);

  it('a live holder is named; unlock refuses it without --force on another host', async () => {
    const key = 'held/pctl.st-race.json';
    const bucket = fake.buckets().get(BUCKET)!;
    putVersion(
      bucket,
      `${key}.lock`,
      Buffer.from(
        JSON.stringify({
          pid: 4242,
          host: 'ci-runner-7',
          command: 'deploy',
          startedAt: '2026-12-06T10:00:00Z',
          runId: 'r1',
        }),
      ),
      'application/json',
      Date.now(),
    );
    const b = new S3Backend(cfg(key), 'st-race');
    await expect(b.lock({ wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockHeld',
      message: `stack is locked by pid 4242 on ci-runner-7 (deploy, since 2026-12-06T10:00:00Z): s3://${BUCKET}/${key}.lock`,
    });
    await expect(b.lock({ wait: true, timeoutMs: 300, pollMs: 50, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockTimeout',
    });
    await expect(b.unlock({ force: false })).rejects.toMatchObject({
      code: 'LockHeld',
      message: expect.stringContaining('on another host (ci-runner-7)'),
    });
    expect(await b.unlock({ force: true })).toMatchObject({ holder: { pid: 4242, host: 'ci-runner-7' } });
    await expect(b.unlock({ force: false })).rejects.toMatchObject({ code: 'NotLocked' });
  });
});

// A writer: writes ever-growing states, one after another, as a deploy does after each service.
const writerSource = `
import { S3Backend } from ${JSON.stringify(backendModule)};
const backend = new S3Backend(JSON.parse(process.argv[1]), 'st-race');
let { version } = await backend.read();
const state = {};
for (let i = 0; ; i++) {
  state['st-race-svc' + i] = { provider: 'docker', image: 'x'.repeat(20000), fingerprint: String(i) };
  version = await backend.write(state, version);
  console.log('wrote ' + i);
}
`;

describe('s3 state', () => {
  it('kill -9 in the middle of writes leaves a state that parses', async () => {
    const key = 'kill/pctl.st-race.json';
    const w = child(writerSource, [JSON.stringify(cfg(key))]);
    const puts = () => fake.calls.filter((c) => c.op === 'PutObject').length;
    const before = puts();
    // Killed while it writes: a few writes done, the next one on its way.
    await until('the writer has written a few states', async () => (await w.next()).startsWith('wrote 5'));
    await until('another write is under way', () => puts() > before + 6);
    w.c.kill('SIGKILL');
    await new Promise((r) => w.c.on('exit', r));
    const { state, version } = await new S3Backend(cfg(key), 'st-race').read();
    const n = Object.keys(state).length;
    expect(n).toBeGreaterThanOrEqual(6);
    expect(Object.keys(state).sort()).toEqual(Array.from({ length: n }, (_, i) => `st-race-svc${i}`).sort());
    expect(version).toBe(current(fake.buckets().get(BUCKET)!, key)!.etag);
  });

  it.each([
    ['corrupt', 'StateCorrupt', '{"pctlStateFormat": 1, "stack": '],
    ['foreign (another stack)', 'StateInvalid', JSON.stringify({ pctlStateFormat: 1, stack: 'st-other', state: {} })],
    [
      'from a newer pctl',
      'StateTooNew',
      JSON.stringify({ pctlStateFormat: 99, stack: 'st-race', state: {}, more: 'later' }),
    ],
    ['a bare local state file', 'StateInvalid', JSON.stringify({ 'st-race-api': { provider: 'docker' } })],
  ])('a %s state is refused and kept as it was', async (_what, code, body) => {
    const key = `bad-${code}-${body.length}/pctl.st-race.json`;
    const bucket = fake.buckets().get(BUCKET)!;
    putVersion(bucket, key, Buffer.from(body), 'application/json', Date.now());
    const b = new S3Backend(cfg(key), 'st-race');
    await expect(b.read()).rejects.toMatchObject({ code, message: expect.stringContaining('left as it is') });
    await expect(StateStore.openBackend(b)).rejects.toMatchObject({ code });
    expect(bucket.objects.get(key)!.map((v) => v.body.toString())).toEqual([body]);
  });

  it('a write that lost a race is a StateConflict, never an overwrite', async () => {
    const key = 'conflict/pctl.st-race.json';
    const a = new S3Backend(cfg(key), 'st-race');
    const first = await a.write({ 'st-race-a': { provider: 'docker' } }, undefined);
    await expect(a.write({ 'st-race-b': { provider: 'docker' } }, undefined)).rejects.toMatchObject({
      code: 'StateConflict',
    });
    const second = await a.write({ 'st-race-a': { provider: 'docker', image: 'v2' } }, first);
    await expect(a.write({ 'st-race-c': { provider: 'docker' } }, first)).rejects.toMatchObject({
      code: 'StateConflict',
    });
    expect(await a.read()).toEqual({ state: { 'st-race-a': { provider: 'docker', image: 'v2' } }, version: second });
    expect((await a.history()).map((v) => v.latest)).toEqual([true, false]);
    expect(await a.readVersion((await a.history())[1]!.version)).toEqual({ 'st-race-a': { provider: 'docker' } });
  });

  it('names a missing bucket, a refusal and an endpoint that does not answer, each with its code', async () => {
    await expect(new S3Backend({ ...cfg('k'), bucket: 'st-no-such-bucket' }, 'st-race').read()).rejects.toMatchObject({
      code: 'StateBucketMissing',
      message: expect.stringContaining('the bucket st-no-such-bucket does not exist'),
    });
    fake.fail('GetObject', 'AccessDenied', 1);
    await expect(new S3Backend(cfg('k'), 'st-race').read()).rejects.toMatchObject({ code: 'StateAccessDenied' });
    await expect(
      new S3Backend({ ...cfg('k'), endpoint: 'http://127.0.0.1:9' }, 'st-race').read(),
    ).rejects.toMatchObject({
      code: 'StateEndpointUnreachable',
      message: expect.stringContaining('http://127.0.0.1:9 does not answer'),
    });
  });
});

describe('s3 state migrate', () => {
  it('never removes a same-named object pctl did not write, there at the start or written during it', async () => {
    const bucket = fake.buckets().get(BUCKET)!;
    const key = (place: string) => `migrate-${place}/pctl.st-race.json`;
    await migrateLeavesForeign(
      {
        backend: (place) => new S3Backend(cfg(key(place)), 'st-race'),
        putForeign: (place, body) => putVersion(bucket, key(place), Buffer.from(body), 'application/json', Date.now()),
        raw: (place) => current(bucket, key(place))?.body.toString(),
        canReplace: true,
      },
      { a: 'a', b: 'b', c: 'c' },
    );
  });
});
