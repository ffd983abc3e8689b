// The kubernetes state backend against the Kubernetes API test server: 16 processes racing
// for the Lease for 40 rounds (none, a dead holder here, an expired one from another host)
// with exactly one holder each round; the Lease is renewed while its run lives; kill -9 in
// the middle of writes leaves a state that parses; a corrupt or foreign state Secret is
// refused and kept; real kubectl (default flags) lists the Secret and the Lease.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesBackend, SECRET_TYPE } from '../../packages/core/src/state/backend/kubernetes.js';
import { microTime } from '../../packages/core/src/state/backend/kubeLease.js';
import { StateStore } from '../../packages/core/src/state/stateStore.js';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { kubectlRunner } from '../kube-api-server/kubectlClient.js';
import { deadPid, raceForLock, spawnChild, takerSource as takerSourceFor } from '../helpers/lockRace.js';
import { migrateLeavesForeign } from '../helpers/migrateForeign.js';
import { until } from '../helpers/until.js';

const TAKERS = 16;
const ROUNDS = 40;
const NS = 'kstate-ns';
const backendModule = fileURLToPath(new URL('../../packages/core/dist/state/backend/kubernetes.js', import.meta.url));
let server: KubeApiServer;
let home: string;
const children: ChildProcessWithoutNullStreams[] = [];
const savedKubeconfig = process.env.KUBECONFIG;

beforeAll(async () => {
  server = await startKubeApiServer({ contextName: 'kstate-ctx', controllers: false });
  server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  // The backends in this process find the cluster as the CLI would: through KUBECONFIG.
  process.env.KUBECONFIG = server.kubeconfigPath;
  home = mkdtempSync(path.join(os.tmpdir(), 'kstate-kubectl-'));
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  rmSync(home, { recursive: true, force: true });
});

const cfg = { backend: 'kubernetes' as const, context: 'kstate-ctx', namespace: NS };
const lease = (stack: string) => server.get('Lease', NS, `pctl-lock-${stack}`);
const secret = (stack: string) => server.get('Secret', NS, `pctl-state-${stack}`);

const child = (source: string, args: string[]) =>
  spawnChild(source, args, { ...process.env, KUBECONFIG: server.kubeconfigPath }, children);

// A Lease as another pctl run left it: `renewedAgoMs` since its last renewal, of a 60 s lease.
function seedLease(stack: string, holder: { pid: number; host: string }, renewedAgoMs: number, tag: string) {
  const at = microTime(Date.now() - renewedAgoMs);
  server.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: `pctl-lock-${stack}`,
      namespace: NS,
      annotations: {
        'pctl.dev/holder': JSON.stringify({ ...holder, command: 'deploy', startedAt: tag, runId: tag }),
      },
    },
    spec: {
      holderIdentity: `${holder.host}/${holder.pid}`,
      leaseDurationSeconds: 60,
      acquireTime: at,
      renewTime: at,
      leaseTransitions: 0,
    },
  });
}

const takerSource = takerSourceFor(
  backendModule,
  'KubernetesBackend',
  `new KubernetesBackend(JSON.parse(process.argv[1]), 'kst-race')`,
);

describe('kubernetes lock (a Lease)', () => {
  it(`${TAKERS} processes racing for the Lease, none, dead or expired: exactly one holder, ${ROUNDS} rounds`, async () => {
    const gone = await deadPid();
    const takers = Array.from({ length: TAKERS }, () => child(takerSource, [JSON.stringify(cfg)]));
    await raceForLock({
      takers,
      rounds: ROUNDS,
      leadMs: 150,
      // Round kinds: no Lease (a create race), a dead holder on this host, a Lease another host stopped renewing.
      seed: (round, kind) => {
        if (kind === 1) seedLease('kst-race', { pid: gone, host: os.hostname() }, 0, `round ${round}`);
        if (kind === 2) seedLease('kst-race', { pid: 4242, host: 'ci-runner-gone' }, 61_000, `round ${round}`);
      },
      // The Lease names the winner, a live process on this host.
      holderPid: (_round, kind) => {
        const l = lease('kst-race')!;
        const holder = JSON.parse(String(l.metadata.annotations?.['pctl.dev/holder'])) as { pid: number };
        expect((l.spec as { holderIdentity: string }).holderIdentity).toBe(`${os.hostname()}/${holder.pid}`);
        if (kind !== 0) expect((l.spec as { leaseTransitions: number }).leaseTransitions).toBe(1);
        return holder.pid;
      },
      free: () => lease('kst-race') === undefined,
    });
  }, 300_000);

  it('is renewed while its run lives: past its duration it is still held, and released at the end', async () => {
    const mine = new KubernetesBackend(cfg, 'kst-renew', 1);
    const held = await mine.lock({ wait: false, command: 'deploy' });
    const spec = () => lease('kst-renew')!.spec as { acquireTime: string; renewTime: string };
    expect(spec().renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await until(
      'renewed past the 1 s duration',
      () => Date.parse(spec().renewTime) - Date.parse(spec().acquireTime) > 1500,
    );
    await expect(
      new KubernetesBackend(cfg, 'kst-renew').lock({ wait: false, command: 'deploy' }),
    ).rejects.toMatchObject({
      code: 'LockHeld',
      message: expect.stringMatching(
        new RegExp(
          `^stack is locked by pid ${process.pid} on ${os.hostname()} \\(deploy, since .*\\): kubernetes://${NS}/leases/pctl-lock-kst-renew$`,
        ),
      ),
    });
    await held.release();
    expect(lease('kst-renew')).toBeUndefined();
  });

  it('a live holder on another host is named, waited for (--lock-timeout), and unlocked only with --force', async () => {
    seedLease('kst-held', { pid: 4242, host: 'ci-runner-7' }, 0, '2026-12-06T10:00:00Z');
    const b = new KubernetesBackend(cfg, 'kst-held');
    await expect(b.lock({ wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockHeld',
      message: `stack is locked by pid 4242 on ci-runner-7 (deploy, since 2026-12-06T10:00:00Z): kubernetes://${NS}/leases/pctl-lock-kst-held`,
    });
    await expect(b.lock({ wait: true, timeoutMs: 300, pollMs: 50, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockTimeout',
      message: expect.stringContaining('waiting for the lock held by pid 4242 on ci-runner-7'),
    });
    await expect(b.unlock({ force: false })).rejects.toMatchObject({
      code: 'LockHeld',
      message: expect.stringContaining('on another host (ci-runner-7)'),
    });
    expect(lease('kst-held')).toBeDefined();
    expect(await b.unlock({ force: true })).toMatchObject({ holder: { pid: 4242, host: 'ci-runner-7' } });
    await expect(b.unlock({ force: false })).rejects.toMatchObject({ code: 'NotLocked' });
    // Once expired, the same holder's Lease is unlocked without --force.
    seedLease('kst-held', { pid: 4242, host: 'ci-runner-7' }, 120_000, 'old');
    expect(await b.unlock({ force: false })).toMatchObject({ holder: { host: 'ci-runner-7' } });
  });
});

// A writer: writes ever-growing states, one after another, as a deploy does after each service.
const writerSource = `
import { KubernetesBackend } from ${JSON.stringify(backendModule)};
const backend = new KubernetesBackend(JSON.parse(process.argv[1]), 'kst-kill');
let { version } = await backend.read();
const state = {};
for (let i = 0; ; i++) {
  state['kst-kill-svc' + i] = { provider: 'docker', image: 'x'.repeat(2000) + i, fingerprint: String(i) };
  version = await backend.write(state, version);
  console.log('wrote ' + i);
}
`;

describe('kubernetes state (a Secret)', () => {
  it('kill -9 in the middle of writes leaves a state that parses', async () => {
    const w = child(writerSource, [JSON.stringify(cfg)]);
    const puts = () =>
      server.requests.filter((r) => r.method === 'PUT' && r.path.includes('pctl-state-kst-kill')).length;
    // Its start (node, the Kubernetes client) may be slow on a busy machine: the first states take what they take.
    await until('the writer has written a few states', async () => (await w.next()).startsWith('wrote 5'), {
      timeoutMs: 120_000,
    });
    const before = puts();
    await until('another write is under way', () => puts() > before + 1);
    w.c.kill('SIGKILL');
    await new Promise((r) => w.c.on('exit', r));
    const { state, version } = await new KubernetesBackend(cfg, 'kst-kill').read();
    const n = Object.keys(state).length;
    expect(n).toBeGreaterThanOrEqual(6);
    expect(Object.keys(state).sort()).toEqual(Array.from({ length: n }, (_, i) => `kst-kill-svc${i}`).sort());
    expect(version).toBe(secret('kst-kill')!.metadata.resourceVersion);
  });

  const envelope = (o: unknown) => gzipSync(JSON.stringify(o)).toString('base64');
  it.each([
    [
      'foreign (an Opaque Secret of that name)',
      'StateInvalid',
      'Opaque',
      { token: Buffer.from('s3cr3t').toString('base64') },
    ],
    [
      'corrupt (not gzip)',
      'StateCorrupt',
      SECRET_TYPE,
      { state: Buffer.from('{"pctlStateFormat": 1').toString('base64') },
    ],
    [
      'corrupt (gzipped garbage)',
      'StateCorrupt',
      SECRET_TYPE,
      { state: gzipSync('{"pctlStateFormat": 1, "st').toString('base64') },
    ],
    [
      'foreign (another stack)',
      'StateInvalid',
      SECRET_TYPE,
      { state: envelope({ pctlStateFormat: 1, stack: 'kst-other', state: {} }) },
    ],
    [
      'from a newer pctl',
      'StateTooNew',
      SECRET_TYPE,
      { state: envelope({ pctlStateFormat: 99, stack: 'kst-bad', state: {} }) },
    ],
  ])('a %s state is refused and kept as it was', async (what, code, type, data) => {
    const stack = 'kst-bad';
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `pctl-state-${stack}`, namespace: NS },
      type,
      data,
    });
    try {
      const before = JSON.stringify(secret(stack));
      const b = new KubernetesBackend(cfg, stack);
      await expect(b.read(), what).rejects.toMatchObject({ code, message: expect.stringContaining('left as it is') });
      await expect(StateStore.openBackend(b)).rejects.toMatchObject({ code });
      // A first write never replaces it either.
      await expect(b.write({ 'kst-bad-api': { provider: 'docker' } }, undefined)).rejects.toMatchObject({
        code: 'StateConflict',
      });
      expect(JSON.stringify(secret(stack))).toBe(before);
    } finally {
      await server.kubeConfig
        .makeApiClient((await import('@kubernetes/client-node')).CoreV1Api)
        .deleteNamespacedSecret({ name: `pctl-state-${stack}`, namespace: NS });
    }
  });

  it('a write that lost a race is a StateConflict, never an overwrite; there is no history', async () => {
    const a = new KubernetesBackend(cfg, 'kst-conflict');
    const first = await a.write({ 'kst-conflict-a': { provider: 'docker' } }, undefined);
    await expect(a.write({ 'kst-conflict-b': { provider: 'docker' } }, undefined)).rejects.toMatchObject({
      code: 'StateConflict',
    });
    const second = await a.write({ 'kst-conflict-a': { provider: 'docker', image: 'v2' } }, first);
    await expect(a.write({ 'kst-conflict-c': { provider: 'docker' } }, first)).rejects.toMatchObject({
      code: 'StateConflict',
      message: expect.stringContaining('was changed by someone else since this run read it (Conflict)'),
    });
    expect(await a.read()).toEqual({
      state: { 'kst-conflict-a': { provider: 'docker', image: 'v2' } },
      version: second,
    });
    expect(secret('kst-conflict')).toMatchObject({
      type: SECRET_TYPE,
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'pctl', 'pctl.dev/state-of': 'kst-conflict' } },
    });
    expect(await a.history()).toBeUndefined();
    expect(await a.remove(first)).toBe(false);
    expect(await a.remove(second)).toBe(true);
    expect(secret('kst-conflict')).toBeUndefined();
  });

  it('kubectl (default flags) lists the state Secret and the Lease of a run', async () => {
    const b = new KubernetesBackend(cfg, 'kst-kubectl');
    const held = await b.lock({ wait: false, command: 'deploy' });
    try {
      await b.write({ 'kst-kubectl-api': { provider: 'docker' } }, undefined);
      const r = await kubectlRunner(server.kubeconfigPath, home)('get', 'secret,lease', '-n', NS);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const lines = r.out.trim().split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^NAME\s+TYPE\s+DATA\s+AGE$/),
          expect.stringMatching(
            new RegExp(`^secret/pctl-state-kst-kubectl\\s+${SECRET_TYPE.replace('.', '\\.')}\\s+1\\s+\\d+s$`),
          ),
          expect.stringMatching(/^NAME\s+HOLDER\s+AGE$/),
          expect.stringMatching(
            new RegExp(
              `^lease\\.coordination\\.k8s\\.io/pctl-lock-kst-kubectl\\s+${os.hostname()}/${process.pid}\\s+\\d+s$`,
            ),
          ),
        ]),
      );
    } finally {
      await held.release();
    }
  });

  it('names a missing namespace, an unknown context and a refusal, each with its code', async () => {
    await expect(
      new KubernetesBackend({ ...cfg, namespace: 'kst-nowhere' }, 'kst-x').write({}, undefined),
    ).rejects.toMatchObject({
      code: 'KubeNotFound',
      message: expect.stringContaining('the namespace kst-nowhere does not exist'),
    });
    await expect(new KubernetesBackend({ ...cfg, context: 'kst-nope' }, 'kst-x').read()).rejects.toMatchObject({
      code: 'KubeContextMissing',
      message: expect.stringContaining('no context "kst-nope" in the kubeconfig'),
    });
    server.controls.injectFault({ path: '/api/v1/namespaces/kstate-ns/secrets/pctl-state-kst-x', code: 403, times: 1 });
    await expect(new KubernetesBackend(cfg, 'kst-x').read()).rejects.toMatchObject({ code: 'StateAccessDenied' });
  });
});

describe('kubernetes state migrate', () => {
  it('never removes a same-named Secret pctl did not write, there at the start or made during it', async () => {
    await migrateLeavesForeign(
      {
        backend: (stack) => new KubernetesBackend(cfg, stack),
        putForeign: (stack, body) =>
          void server.create({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: `pctl-state-${stack}`, namespace: NS },
            data: { state: Buffer.from(body).toString('base64') },
          }),
        raw: (stack) => {
          const s = secret(stack) as { data?: Record<string, string> } | undefined;
          return s && Buffer.from(s.data?.state ?? '', 'base64').toString();
        },
        canReplace: false,
      },
      { a: 'kst-migrate-a', b: 'kst-migrate-b', c: 'kst-migrate-c' },
    );
  });
});
