// The gcs state backend against the GCS fake (a bearer token from ADC checked on every
// call): 16 processes racing for the lock for 40 rounds (a fresh lock, and stale ones to
// take over) with exactly one holder each round; kill -9 in the middle of writes leaves a
// state that parses; a corrupt, foreign or newer state is refused and kept as it was; no
// secret value is stored.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsBackend } from '../../packages/core/src/state/backend/gcs.js';
import { StateStore } from '../../packages/core/src/state/stateStore.js';
import { type GcsFake, live, putGeneration, startGcsFake } from '../gcs-fake/index.js';
import { deadPid, raceForLock, spawnChild, takerSource as takerSourceFor } from '../helpers/lockRace.js';
import { migrateLeavesForeign } from '../helpers/migrateForeign.js';
import { until } from '../helpers/until.js';

const TAKERS = 16;
const ROUNDS = 40;
const BUCKET = 'gcs-race';
const backendModule = fileURLToPath(new URL('../../packages/core/dist/state/backend/gcs.js', import.meta.url));
let fake: GcsFake;
const children: ChildProcessWithoutNullStreams[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  fake = await startGcsFake({ buckets: { [BUCKET]: { versioning: true } } });
  // The backends in this process find their credentials as the CLI would: through ADC.
  Object.assign(process.env, googleEnv());
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await fake.stop();
  process.env = saved;
});

const googleEnv = () => ({
  GOOGLE_APPLICATION_CREDENTIALS: fake.credentialsFile,
  GOOGLE_CLOUD_PROJECT: 'pctl-gcs-test',
  NO_PROXY: '127.0.0.1,localhost',
});
const cfg = (object: string) => ({ backend: 'gcs' as const, bucket: BUCKET, object, endpoint: fake.endpoint });
const bucket = () => fake.buckets.get(BUCKET)!;

const child = (source: string, args: string[]) =>
  spawnChild(source, args, { ...process.env, ...googleEnv() }, children);

const takerSource = takerSourceFor(
  backendModule,
  'GcsBackend',
  `new GcsBackend(JSON.parse(process.argv[1]), 'gcs-race')`,
);

describe('gcs lock', () => {
  it(`${TAKERS} processes racing for the lock, fresh or stale: exactly one holder, ${ROUNDS} rounds`, async () => {
    const object = 'race/pctl.gcs-race.json';
    const lockName = `${object}.lock`;
    const gone = await deadPid();
    const takers = Array.from({ length: TAKERS }, () => child(takerSource, [JSON.stringify(cfg(object))]));
    await raceForLock({
      takers,
      rounds: ROUNDS,
      leadMs: 200,
      // Round kinds: no lock (a create race), a dead holder on this host, a lock naming no holder.
      seed: (round, kind) => {
        if (kind === 1)
          putGeneration(
            bucket(),
            lockName,
            Buffer.from(
              JSON.stringify({ pid: gone, host: os.hostname(), command: 'deploy', startedAt: `round ${round}` }),
            ),
          );
        if (kind === 2) putGeneration(bucket(), lockName, Buffer.from(`garbage ${round}`));
      },
      // The lock names the winner, a live process on this host.
      holderPid: () => {
        const holder = JSON.parse(live(bucket(), lockName)!.body.toString()) as { pid: number };
        expect(holder).toMatchObject({ host: os.hostname(), command: 'race', runId: expect.any(String) });
        return holder.pid;
      },
      free: () => live(bucket(), lockName) === undefined,
    });
  }, 300_000);

  it('a live holder is named; --lock-timeout gives up; unlock refuses it without --force on another host', async () => {
    const object = 'held/pctl.gcs-race.json';
    const holder = {
      pid: 4242,
      host: 'ci-runner-7',
      command: 'deploy',
      startedAt: '2026-12-06T10:00:00Z',
      runId: 'r1',
    };
    putGeneration(bucket(), `${object}.lock`, Buffer.from(JSON.stringify(holder)));
    const b = new GcsBackend(cfg(object), 'gcs-race');
    await expect(b.lock({ wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockHeld',
      message: `stack is locked by pid 4242 on ci-runner-7 (deploy, since 2026-12-06T10:00:00Z): gs://${BUCKET}/${object}.lock`,
    });
    let waitedFor: unknown;
    await expect(
      b.lock({ wait: true, timeoutMs: 300, pollMs: 50, command: 'deploy', onWait: (h) => (waitedFor = h) }),
    ).rejects.toMatchObject({ code: 'LockTimeout', message: expect.stringContaining('pid 4242 on ci-runner-7') });
    expect(waitedFor).toMatchObject({ pid: 4242, host: 'ci-runner-7' });
    await expect(b.unlock({ force: false })).rejects.toMatchObject({
      code: 'LockHeld',
      message: expect.stringContaining('on another host (ci-runner-7)'),
    });
    expect(live(bucket(), `${object}.lock`)).toBeDefined();
    expect(await b.unlock({ force: true })).toMatchObject({ holder: { pid: 4242, host: 'ci-runner-7' } });
    await expect(b.unlock({ force: false })).rejects.toMatchObject({ code: 'NotLocked' });
    // Once free, a waiting run takes it.
    const lock = await b.lock({ wait: true, timeoutMs: 1000, command: 'deploy' });
    expect(JSON.parse(live(bucket(), `${object}.lock`)!.body.toString())).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(live(bucket(), `${object}.lock`)).toBeUndefined();
  });
});

// A writer: writes ever-growing states, one after another, as a deploy does after each service.
const writerSource = `
import { GcsBackend } from ${JSON.stringify(backendModule)};
const backend = new GcsBackend(JSON.parse(process.argv[1]), 'gcs-race');
let { version } = await backend.read();
const state = {};
for (let i = 0; ; i++) {
  state['gcs-race-svc' + i] = { provider: 'docker', image: 'x'.repeat(20000), fingerprint: String(i) };
  version = await backend.write(state, version);
  console.log('wrote ' + i);
}
`;

describe('gcs state', () => {
  it('kill -9 in the middle of writes leaves a state that parses', async () => {
    const object = 'kill/pctl.gcs-race.json';
    const w = child(writerSource, [JSON.stringify(cfg(object))]);
    const inserts = () => fake.calls.filter((c) => c.op === 'insert' && c.object === object).length;
    await until('the writer has written a few states', async () => (await w.next()).startsWith('wrote 5'));
    const before = inserts();
    await until('more writes are under way', () => inserts() > before + 2);
    w.c.kill('SIGKILL');
    await new Promise((r) => w.c.on('exit', r));
    const { state, version } = await new GcsBackend(cfg(object), 'gcs-race').read();
    const n = Object.keys(state).length;
    expect(n).toBeGreaterThanOrEqual(6);
    expect(Object.keys(state).sort()).toEqual(Array.from({ length: n }, (_, i) => `gcs-race-svc${i}`).sort());
    expect(version).toBe(live(bucket(), object)!.generation);
  });

  it.each([
    ['corrupt', 'StateCorrupt', '{"pctlStateFormat": 1, "stack": '],
    ['foreign (another stack)', 'StateInvalid', JSON.stringify({ pctlStateFormat: 1, stack: 'gcs-other', state: {} })],
    ['from a newer pctl', 'StateTooNew', JSON.stringify({ pctlStateFormat: 99, stack: 'gcs-race', state: {} })],
    ['a bare local state file', 'StateInvalid', JSON.stringify({ 'gcs-race-api': { provider: 'docker' } })],
  ])('a %s state is refused and kept as it was', async (_what, code, body) => {
    const object = `bad-${code}-${body.length}/pctl.gcs-race.json`;
    putGeneration(bucket(), object, Buffer.from(body));
    const b = new GcsBackend(cfg(object), 'gcs-race');
    await expect(b.read()).rejects.toMatchObject({ code, message: expect.stringContaining('left as it is') });
    await expect(StateStore.openBackend(b)).rejects.toMatchObject({ code });
    expect(
      bucket()
        .objects.get(object)!
        .map((g) => g.body.toString()),
    ).toEqual([body]);
  });

  it('a write that lost a race is a StateConflict, never an overwrite; history lists the generations', async () => {
    const object = 'conflict/pctl.gcs-race.json';
    const a = new GcsBackend(cfg(object), 'gcs-race');
    const first = await a.write({ 'gcs-race-a': { provider: 'docker' } }, undefined);
    await expect(a.write({ 'gcs-race-b': { provider: 'docker' } }, undefined)).rejects.toMatchObject({
      code: 'StateConflict',
    });
    const second = await a.write({ 'gcs-race-a': { provider: 'docker', image: 'v2' } }, first);
    await expect(a.write({ 'gcs-race-c': { provider: 'docker' } }, first)).rejects.toMatchObject({
      code: 'StateConflict',
    });
    expect(await a.read()).toEqual({ state: { 'gcs-race-a': { provider: 'docker', image: 'v2' } }, version: second });
    const history = await a.history();
    expect(history.map((v) => [v.version, v.latest])).toEqual([
      [second, true],
      [first, false],
    ]);
    expect(await a.readVersion(first)).toEqual({ 'gcs-race-a': { provider: 'docker' } });
    expect(await a.remove(first)).toBe(false);
    expect(await a.remove(second)).toBe(true);
    expect(await a.read()).toEqual({ state: {}, version: undefined });
  });

  it('stores no secret value: a canary in a state entry would be refused by the store before it is written', async () => {
    // What a deploy writes comes through StateStore: a value under a secret's key is masked there;
    // here the stored object is searched for the credentials the run used.
    const object = 'canary/pctl.gcs-race.json';
    const b = new GcsBackend(cfg(object), 'gcs-race');
    await b.write({ 'gcs-race-api': { provider: 'docker', image: 'busybox' } }, undefined);
    const stored = live(bucket(), object)!.body.toString();
    expect(stored).not.toContain(fake.token);
    expect(stored).toContain('"pctlStateFormat": 1');
  });

  it('names a missing bucket, a refusal, bad credentials and an endpoint that does not answer, each with its code', async () => {
    await expect(
      new GcsBackend({ ...cfg('k'), bucket: 'gcs-no-such-bucket' }, 'gcs-race').read(),
    ).rejects.toMatchObject({
      code: 'StateBucketMissing',
      message: expect.stringContaining('the bucket gcs-no-such-bucket does not exist'),
    });
    fake.fail('media', 403);
    await expect(new GcsBackend(cfg('k'), 'gcs-race').read()).rejects.toMatchObject({ code: 'StateAccessDenied' });
    fake.fail('insert', 403);
    await expect(new GcsBackend(cfg('k'), 'gcs-race').lock({ wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'StateAccessDenied',
      message: expect.stringContaining(`writing the lock gs://${BUCKET}/k.lock`),
    });
    const err = await new GcsBackend({ ...cfg('k'), endpoint: 'http://127.0.0.1:9' }, 'gcs-race')
      .read()
      .catch((e: { code?: string; message?: string }) => e);
    expect(err).toMatchObject({
      code: 'StateEndpointUnreachable',
      message: expect.stringContaining('http://127.0.0.1:9 does not answer'),
    });
    expect(String((err as Error).message)).not.toContain('\n');
  });
});

describe('gcs state migrate', () => {
  it('never removes a same-named object pctl did not write, there at the start or written during it', async () => {
    const object = (place: string) => `migrate-${place}/pctl.gcs-race.json`;
    await migrateLeavesForeign(
      {
        backend: (place) => new GcsBackend(cfg(object(place)), 'gcs-race'),
        putForeign: (place, body) => void putGeneration(bucket(), object(place), Buffer.from(body)),
        raw: (place) => live(bucket(), object(place))?.body.toString(),
        canReplace: true,
      },
      { a: 'a', b: 'b', c: 'c' },
    );
  });
});
