// The shared deployer against the in-process Kubernetes API test server (test/kube-api-server):
// real @kubernetes/client-node over HTTPS, real controllers (deployment, ReplicaSet, kubelet,
// garbage collector, namespace controller) at the server's fast default timing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryReporter, isPctlError, PctlError, type ServiceConfig } from '@pctl/core';
import {
  startKubeApiServer,
  type KubeApiServer,
  type KubeObject as ServerObject,
} from '../../../test/kube-api-server/index.js';
import { connect, type KubeClient } from './client.js';
import { deployService, type DeployOptions } from './deployer.js';
import { destroyService } from './destroy.js';
import { discoverServices } from './discover.js';
import { renderService } from './renderService.js';
import type { KubeStateExtras, RenderInput } from './types.js';

const CONTEXT = 'kind-pctl';
const STACK = 'shop';
const SERVICE_LABEL = 'pctl-service';

let server: KubeApiServer;
let client: KubeClient;
const extraServers: KubeApiServer[] = [];

beforeEach(async () => {
  server = await startKubeApiServer({ contextName: CONTEXT });
  client = await connect({ kubeconfig: server.kubeconfigPath, context: server.contextName });
});
afterEach(async () => {
  const errors = server.controllerErrors;
  await server.close();
  for (const s of extraServers.splice(0)) await s.close();
  expect(errors).toEqual([]);
});

function input(
  service: string,
  namespace: string,
  config: Partial<ServiceConfig> = {},
  image = 'busybox:1',
): RenderInput {
  return {
    stack: STACK,
    service,
    config: { image, provider: { name: 'kind', options: {} }, ...config },
    image,
    namespace,
    options: {},
    fingerprint: `fp-${service}`,
  };
}

function opts(
  over: Partial<DeployOptions> = {},
): DeployOptions & { reporter: ReturnType<typeof createMemoryReporter> } {
  return { reporter: createMemoryReporter(), rolloutTimeoutMs: 30_000, pollMs: 50, ...over } as DeployOptions & {
    reporter: ReturnType<typeof createMemoryReporter>;
  };
}

/** Pods of one service of STACK in a namespace (all namespaces when omitted), from the store. */
const podsOf = (service: string, namespace?: string): ServerObject[] =>
  server.list('Pod', namespace).filter((p) => p.metadata.labels?.[SERVICE_LABEL] === `${STACK}-${service}`);

const isRunningAndReady = (p: ServerObject): boolean =>
  !p.metadata.deletionTimestamp &&
  p.status?.phase === 'Running' &&
  (p.status?.conditions as { type: string; status: string }[] | undefined)?.some(
    (c) => c.type === 'Ready' && c.status === 'True',
  ) === true;

const namespaceOf = (name: string) => server.get('Namespace', undefined, name);

/** Runs `p`, expecting it to reject with a PctlError; returns the error and how long it took. */
async function failure(p: Promise<unknown>): Promise<{ err: PctlError; ms: number }> {
  const start = Date.now();
  try {
    await p;
  } catch (e) {
    expect(isPctlError(e), `not a PctlError: ${String(e)}`).toBe(true);
    return { err: e as PctlError, ms: Date.now() - start };
  }
  throw new Error('expected a rejection, but it resolved');
}

describe('deployService', () => {
  it('applies every object with server-side apply as pctl, waits for the rollout and returns the extras', async () => {
    const o = opts();
    const extras = await deployService(client, input('web', 'shop', { ports: [8080], scale: { replica: [1, 3] } }), o);

    // The rollout finished before it returned: the pod exists and runs.
    const pods = podsOf('web', 'shop');
    expect(pods).toHaveLength(1);
    expect(pods.every(isRunningAndReady)).toBe(true);
    const d = server.get('Deployment', 'shop', 'shop-web') as ServerObject;
    expect(d.status).toMatchObject({ replicas: 1, availableReplicas: 1, updatedReplicas: 1 });

    const { applied, ...recorded } = extras;
    // What was applied, for the state's release record (core moves it out of the entry).
    expect(applied?.map((a) => `${a.kind}/${a.metadata.name}`).sort()).toEqual([
      'Deployment/shop-web',
      'HorizontalPodAutoscaler/shop-web',
      'Service/shop-web',
      'ServiceAccount/shop-web',
    ]);
    expect(recorded).toEqual<KubeStateExtras>({
      cluster: CONTEXT,
      namespace: 'shop',
      hasHpa: true,
      hasRbac: false,
      hasPvc: false,
      hasPv: false,
      hasPullSecret: false,
      createdNamespace: true,
      objects: [
        'apps/v1/Deployment/shop/shop-web',
        'autoscaling/v2/HorizontalPodAutoscaler/shop/shop-web',
        'v1/Service/shop/shop-web',
        'v1/ServiceAccount/shop/shop-web',
      ],
      objectNames: 2,
    });
    expect([...extras.objects].sort()).toEqual(extras.objects);
    for (const [kind, name] of [
      ['ServiceAccount', 'shop-web'],
      ['Service', 'shop-web'],
      ['HorizontalPodAutoscaler', 'shop-web'],
    ] as const) {
      expect(server.get(kind, 'shop', name), `${kind} ${name}`).toBeTruthy();
    }
    expect(namespaceOf('shop')?.metadata.labels).toMatchObject({ 'managed-by': 'pctl', 'pctl-stack': STACK });
    expect(o.reporter.events.map((e) => e.code)).toContain('NamespaceCreated');

    // Every write: the namespace a create, everything else a forced server-side apply by pctl.
    const writes = server.requests.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    expect(writes.filter((r) => r.method !== 'PATCH').map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/namespaces',
    ]);
    const patches = writes.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(4);
    for (const r of patches) {
      expect(r.contentType, r.path).toMatch(/^application\/apply-patch\+(yaml|json)/);
      expect(r.fieldManager, r.path).toBe('pctl');
      expect(r.query.force, r.path).toBe('true');
      expect(r.status, r.path).toBe(201);
    }
    expect(server.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });

  it('records createdNamespace false for a namespace the user made, and destroy leaves that namespace alone', async () => {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    const extras = await deployService(client, input('api', 'team', { scale: { replica: 2 } }), opts());

    expect(extras).toMatchObject({ namespace: 'team', createdNamespace: false, hasHpa: false });
    expect(extras.objects).toEqual(['apps/v1/Deployment/team/shop-api', 'v1/ServiceAccount/team/shop-api']);
    const pods = podsOf('api', 'team');
    expect(pods).toHaveLength(2);
    expect(pods.every(isRunningAndReady)).toBe(true);
    expect(server.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/namespaces')).toBe(false);

    await destroyService(client, {
      stack: STACK,
      service: 'api',
      entry: extras,
      reporter: createMemoryReporter(),
      pollMs: 50,
    });
    expect(server.get('Deployment', 'team', 'shop-api')).toBeUndefined();
    expect(server.get('ServiceAccount', 'team', 'shop-api')).toBeUndefined();
    expect(podsOf('api')).toEqual([]);
    const ns = namespaceOf('team');
    expect(ns).toBeTruthy();
    expect(ns?.metadata.deletionTimestamp).toBeUndefined();
    expect(server.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/namespaces/team'))).toBe(false);
  });

  it('changes nothing when the same input is deployed again', async () => {
    const inp = input('web', 'shop', { ports: [8080], scale: { replica: [1, 3] } });
    const first = await deployService(client, inp, opts());
    // Let the controllers settle, then stop them so only the apply can change anything.
    await server.waitFor(() => {
      const d = server.get('Deployment', 'shop', 'shop-web') as ServerObject;
      return (
        (d.status?.conditions as { type: string; reason?: string }[] | undefined)?.some(
          (c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable',
        ) === true
      );
    });
    server.controls.pauseControllers();
    const kinds = [
      ['Namespace', undefined, 'shop'],
      ['ServiceAccount', 'shop', 'shop-web'],
      ['Deployment', 'shop', 'shop-web'],
      ['Service', 'shop', 'shop-web'],
      ['HorizontalPodAutoscaler', 'shop', 'shop-web'],
    ] as const;
    const snapshot = () => kinds.map(([k, ns, n]) => structuredClone(server.get(k, ns, n)));
    const before = snapshot();
    const requestsBefore = server.requests.length;

    const o = opts();
    const second = await deployService(client, inp, o);
    server.controls.resumeControllers();

    expect(second).toEqual(first);
    const after = snapshot();
    for (let i = 0; i < kinds.length; i++) {
      expect(after[i]?.metadata.resourceVersion, `${kinds[i]![0]} resourceVersion`).toBe(
        before[i]?.metadata.resourceVersion,
      );
      expect(after[i], `${kinds[i]![0]}`).toEqual(before[i]);
    }
    const later = server.requests.slice(requestsBefore);
    expect(later.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(later.filter((r) => r.method === 'DELETE' || r.method === 'POST')).toEqual([]);
    expect(o.reporter.events.map((e) => e.code)).not.toContain('KubeObjectPruned');
  });
});

describe('API errors are never swallowed', () => {
  it('a 500 on applying the Deployment names the object and the status code', async () => {
    server.controls.injectFault({ method: 'PATCH', path: '/deployments', code: 500 });
    const { err } = await failure(deployService(client, input('web', 'shop'), opts()));
    expect(err.code).toBe('KubeApiError');
    expect(err.message).toContain('Deployment shop/shop-web');
    expect(err.message).toMatch(/\b500\b/);
    expect(err.message).toContain('injected fault 500');
    expect(err.fault).toBe('environment');
  });

  it('a 403 is KubeForbidden with a hint', async () => {
    server.controls.injectFault({
      method: 'PATCH',
      path: '/deployments',
      code: 403,
      message: 'deployments.apps "web" is forbidden: User "dev" cannot patch resource "deployments"',
    });
    const { err } = await failure(deployService(client, input('web', 'shop'), opts()));
    expect(err.code).toBe('KubeForbidden');
    expect(err.message).toContain('Deployment shop/shop-web');
    expect(err.message).toContain('403');
    expect(err.message).toContain('cannot patch resource "deployments"');
    expect(err.hint).toMatch(/RBAC|credentials/);
  });

  it('an error while polling the rollout fails the deploy', async () => {
    server.controls.injectFault({ method: 'GET', path: /\/namespaces\/shop\/deployments\/shop-web$/, code: 503 });
    const { err } = await failure(deployService(client, input('web', 'shop'), opts()));
    expect(err.code).toBe('KubeApiError');
    expect(err.message).toContain('Deployment shop/shop-web');
    expect(err.message).toContain('503');
  });

  it('an error while pruning fails the deploy', async () => {
    const first = await deployService(client, input('web', 'shop', { ports: [8080] }), opts());
    server.controls.injectFault({ method: 'DELETE', path: '/services/shop-web', code: 500 });
    const { err } = await failure(deployService(client, input('web', 'shop'), opts({ previous: first })));
    expect(err.message).toContain('deleting Service shop/shop-web');
    expect(err.message).toContain('500');
    expect(server.get('Service', 'shop', 'shop-web')).toBeTruthy();
  });

  it('a cluster that does not answer is KubeUnreachable', async () => {
    const gone = await startKubeApiServer({ contextName: 'kind-gone' });
    extraServers.push(gone);
    const unreachable = await connect({ kubeconfig: gone.kubeconfigPath, context: gone.contextName });
    await gone.close();
    const { err } = await failure(deployService(unreachable, input('web', 'shop'), opts()));
    expect(err.code).toBe('KubeUnreachable');
    expect(err.message).toContain('Namespace shop');
    expect(err.hint).toBeTruthy();
  });
});

describe('rollout failures', () => {
  for (const reason of ['ErrImagePull', 'ImagePullBackOff'] as const) {
    it(`${reason} fails the deploy quickly, naming the pod and the reason`, async () => {
      server.controls.failImage('ghost', reason);
      const { err, ms } = await failure(
        deployService(client, input('web', 'shop', {}, 'registry.local/ghost:404'), opts({ rolloutTimeoutMs: 30_000 })),
      );
      expect(ms).toBeLessThan(8_000);
      const [pod] = podsOf('web', 'shop');
      expect(pod).toBeTruthy();
      expect(err.code).toBe('RolloutFailed');
      expect(err.message).toContain('deployment shop/shop-web');
      expect(err.message).toContain(`pod ${pod!.metadata.name} ${reason}`);
      expect(err.message).toContain('registry.local/ghost:404');
      expect(err.hint).toMatch(/image/);
      expect(err.detail).toContain('Failed to pull image "registry.local/ghost:404"');
    });
  }

  it('CrashLoopBackOff fails quickly, naming the pod and its restarts', async () => {
    server.controls.failImage('crashy', 'CrashLoopBackOff');
    const { err, ms } = await failure(deployService(client, input('web', 'shop', {}, 'crashy:1'), opts()));
    expect(ms).toBeLessThan(8_000);
    const [pod] = podsOf('web', 'shop');
    expect(err.code).toBe('RolloutFailed');
    expect(err.message).toContain(`pod ${pod!.metadata.name} CrashLoopBackOff`);
    expect(err.message).toMatch(/, [1-9]\d* restarts/);
    expect(err.detail).toContain('Back-off restarting failed container');
  });

  it('an unschedulable pod fails at the rollout deadline, naming Unschedulable and the scheduler message', async () => {
    const message = '0/1 nodes are available: 1 Insufficient memory.';
    server.controls.unschedulable({ [SERVICE_LABEL]: `${STACK}-web` }, message);
    const { err, ms } = await failure(deployService(client, input('web', 'shop'), opts({ rolloutTimeoutMs: 1_500 })));
    expect(ms).toBeGreaterThanOrEqual(1_500);
    expect(ms).toBeLessThan(6_000);
    const [pod] = podsOf('web', 'shop');
    expect(err.code).toBe('RolloutFailed');
    expect(err.message).toContain(`pod ${pod!.metadata.name} Unschedulable: ${message}`);
    expect(err.hint).toMatch(/rolloutTimeout/);
    expect(err.detail).toContain('FailedScheduling');
    expect(err.detail).toContain(message);
  });
});

describe('a rollout after a failed one', () => {
  it('is not failed by the pods of the previous, broken rollout while its own pods start', async () => {
    server.controls.failImage('ghost', 'ImagePullBackOff');
    const { err } = await failure(deployService(client, input('web', 'shop', {}, 'ghost:404'), opts()));
    expect(err.code).toBe('RolloutFailed');
    // The fixed image takes longer than a second to pull; the broken pod keeps backing off
    // until the new one is available (maxUnavailable 0 for one replica).
    server.controls.setTiming({ podStartMs: 1_800 });
    const o = opts({ rolloutTimeoutMs: 15_000 });
    await deployService(client, input('web', 'shop', {}, 'busybox:1'), o);
    const pods = podsOf('web', 'shop').filter((p) => !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(1);
    expect((pods[0]!.spec as { containers: { image: string }[] }).containers[0]!.image).toBe('busybox:1');
    expect(pods.every(isRunningAndReady)).toBe(true);
  });

  it('is not failed by the ProgressDeadlineExceeded of the previous rollout before the controller saw the new one', async () => {
    server.controls.setTiming({ progressDeadlineMsPerSecond: 1 }); // 600 s -> 600 ms
    server.controls.unschedulable({ [SERVICE_LABEL]: `${STACK}-web` });
    const { err } = await failure(deployService(client, input('web', 'shop', { scale: { replica: 1 } }), opts()));
    expect(err.code).toBe('RolloutFailed');
    const d = server.get('Deployment', 'shop', 'shop-web') as ServerObject;
    expect(
      (d.status?.conditions as { type: string; reason?: string }[]).find((c) => c.type === 'Progressing')?.reason,
    ).toBe('ProgressDeadlineExceeded');

    // The cluster has room again and a new template is applied; the controller lags a little.
    server.controls.clearUnschedulable();
    server.controls.pauseControllers();
    const resume = setTimeout(() => server.controls.resumeControllers(), 400);
    try {
      await deployService(
        client,
        input('web', 'shop', { scale: { replica: 1 }, env: { FIXED: '1' } }),
        opts({ rolloutTimeoutMs: 10_000 }),
      );
    } finally {
      clearTimeout(resume);
      server.controls.resumeControllers();
    }
    expect(podsOf('web', 'shop').filter(isRunningAndReady)).toHaveLength(1);
  });
});

describe('pruning', () => {
  it('deletes the Service and HPA a service no longer has', async () => {
    const first = await deployService(
      client,
      input('web', 'shop', { ports: [8080], scale: { replica: [1, 3] } }),
      opts(),
    );
    expect(server.get('Service', 'shop', 'shop-web')).toBeTruthy();
    expect(server.get('HorizontalPodAutoscaler', 'shop', 'shop-web')).toBeTruthy();

    const o = opts({ previous: first });
    const second = await deployService(client, input('web', 'shop', { scale: { replica: 1 } }), o);
    expect(server.get('Service', 'shop', 'shop-web')).toBeUndefined();
    expect(server.get('HorizontalPodAutoscaler', 'shop', 'shop-web')).toBeUndefined();
    expect(server.get('Deployment', 'shop', 'shop-web')).toBeTruthy();
    expect(second).toMatchObject({ hasHpa: false, createdNamespace: true, namespace: 'shop' });
    expect(second.objects).toEqual(['apps/v1/Deployment/shop/shop-web', 'v1/ServiceAccount/shop/shop-web']);
    expect(
      o.reporter.events
        .filter((e) => e.code === 'KubeObjectPruned')
        .map((e) => e.text)
        .sort(),
    ).toEqual([
      'deleting HorizontalPodAutoscaler shop/shop-web (no longer part of the service)',
      'deleting Service shop/shop-web (no longer part of the service)',
    ]);
  });

  it('a namespace move deletes the old objects and pods, and the old namespace pctl created', async () => {
    const first = await deployService(client, input('web', 'old', { ports: [8080], scale: { replica: 2 } }), opts());
    expect(podsOf('web', 'old')).toHaveLength(2);

    const o = opts({ previous: first });
    const moved = await deployService(client, input('web', 'new', { ports: [8080], scale: { replica: 2 } }), o);
    expect(moved).toMatchObject({ namespace: 'new', createdNamespace: true });
    expect(moved.objects).toEqual([
      'apps/v1/Deployment/new/shop-web',
      'v1/Service/new/shop-web',
      'v1/ServiceAccount/new/shop-web',
    ]);
    for (const [kind, name] of [
      ['Deployment', 'shop-web'],
      ['Service', 'shop-web'],
      ['ServiceAccount', 'shop-web'],
    ] as const) {
      expect(server.get(kind, 'old', name), `${kind} ${name} left in old`).toBeUndefined();
    }
    // Terminated, not merely terminating.
    expect(podsOf('web', 'old')).toEqual([]);
    expect(server.list('ReplicaSet', 'old')).toEqual([]);
    expect(namespaceOf('old')).toBeUndefined();
    expect(podsOf('web', 'new').filter(isRunningAndReady)).toHaveLength(2);
    expect(o.reporter.events.map((e) => e.code)).toContain('NamespaceDeleted');
  });

  it('a namespace move keeps the old namespace while another service of pctl still lives there', async () => {
    await deployService(client, input('api', 'old'), opts());
    const first = await deployService(client, input('web', 'old'), opts());
    expect(first.createdNamespace).toBe(true);

    await deployService(client, input('web', 'new'), opts({ previous: first }));
    expect(server.get('Deployment', 'old', 'shop-web')).toBeUndefined();
    expect(podsOf('web', 'old')).toEqual([]);
    const ns = namespaceOf('old');
    expect(ns).toBeTruthy();
    expect(ns?.metadata.deletionTimestamp).toBeUndefined();
    expect(server.get('Deployment', 'old', 'shop-api')).toBeTruthy();
    expect(podsOf('api', 'old').filter(isRunningAndReady)).toHaveLength(1);
  });

  it('a namespace move keeps an old namespace the user made, even when empty', async () => {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'theirs' } });
    const first = await deployService(client, input('web', 'theirs'), opts());
    expect(first.createdNamespace).toBe(false);
    await deployService(client, input('web', 'new'), opts({ previous: first }));
    expect(server.get('Deployment', 'theirs', 'shop-web')).toBeUndefined();
    expect(namespaceOf('theirs')?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("a namespace move keeps an old namespace without pctl's labels even when the state entry says pctl created it", async () => {
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'theirs' } });
    const first = await deployService(client, input('web', 'theirs'), opts());
    // A state entry is no proof: only the labels of the live namespace are.
    await deployService(client, input('web', 'new'), opts({ previous: { ...first, createdNamespace: true } }));
    expect(server.get('Deployment', 'theirs', 'shop-web')).toBeUndefined();
    expect(namespaceOf('theirs')).toBeTruthy();
    expect(namespaceOf('theirs')?.metadata.deletionTimestamp).toBeUndefined();
  });
});

describe('destroyService and discoverServices', () => {
  it('after a crash (no recorded extras) finds everything by label in every namespace and waits until the pods are gone', async () => {
    await deployService(client, input('api', 'shop'), opts());
    await deployService(client, input('web', 'shop', { ports: [8080], scale: { replica: [2, 3] } }), opts());
    // A crash in the middle of a namespace move: objects applied in "moved", nothing recorded.
    const [ns, ...rest] = renderService(input('web', 'moved', { ports: [8080], scale: { replica: 2 } }));
    await client.create(ns!);
    for (const o of rest) await client.apply(o);
    await server.waitFor(() => podsOf('web', 'moved').filter(isRunningAndReady).length === 2);
    // Another stack's service is not listed.
    server.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'other-x',
        namespace: 'default',
        labels: { 'managed-by': 'pctl', 'pctl-stack': 'other', 'pctl-service': 'other-x' },
      },
    });

    const found = await discoverServices(client, STACK);
    expect([...new Set(found.map((f) => f.key))].sort()).toEqual(['shop-api', 'shop-web']);
    expect(
      found
        .filter((f) => f.key === 'shop-web')
        .map((f) => `${f.kind} ${f.name}`)
        .sort(),
    ).toEqual([
      'Deployment moved/shop-web',
      'Deployment shop/shop-web',
      'HorizontalPodAutoscaler shop/shop-web',
      'Service moved/shop-web',
      'Service shop/shop-web',
      'ServiceAccount moved/shop-web',
      'ServiceAccount shop/shop-web',
    ]);

    await destroyService(client, {
      stack: STACK,
      service: 'web',
      entry: {},
      reporter: createMemoryReporter(),
      pollMs: 50,
    });
    // Gone when it returns: objects, ReplicaSets and pods, in both namespaces.
    expect(podsOf('web')).toEqual([]);
    for (const ns of ['shop', 'moved']) {
      expect(server.get('Deployment', ns, 'shop-web')).toBeUndefined();
      expect(server.get('Service', ns, 'shop-web')).toBeUndefined();
      expect(server.get('ServiceAccount', ns, 'shop-web')).toBeUndefined();
      expect(server.list('ReplicaSet', ns).filter((r) => r.metadata.labels?.[SERVICE_LABEL] === 'shop-web')).toEqual(
        [],
      );
    }
    expect(server.get('HorizontalPodAutoscaler', 'shop', 'shop-web')).toBeUndefined();
    // "moved" held only web: pctl made it, so it goes; "shop" still holds api.
    expect(namespaceOf('moved')).toBeUndefined();
    expect(namespaceOf('shop')?.metadata.deletionTimestamp).toBeUndefined();
    expect(podsOf('api', 'shop').filter(isRunningAndReady)).toHaveLength(1);

    expect([...new Set((await discoverServices(client, STACK)).map((f) => f.key))]).toEqual(['shop-api']);
  });
});
