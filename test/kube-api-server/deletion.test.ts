import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Deployment } from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';
import { statusOf } from './testClient.js';
import { defaultTiming } from './timing.js';

function deployment(name: string, replicas = 2): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1' }] } },
    },
  };
}

describe('kube-api-server deletion', () => {
  let server: KubeApiServer;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  const owned = (kind: string, ns: string, app: string) =>
    server.list(kind, ns).filter((o) => o.metadata.labels?.app === app);
  const ready = (ns: string, name: string) => async (): Promise<void> =>
    server.waitFor(
      () =>
        (server.get('Deployment', ns, name)?.status?.readyReplicas ?? 0) ===
        server.get('Deployment', ns, name)?.spec?.replicas,
    );

  beforeAll(async () => {
    server = await startKubeApiServer();
    apps = server.kubeConfig.makeApiClient(AppsV1Api);
    core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'del' } } });
  });
  afterAll(async () => {
    expect(server.controllerErrors).toEqual([]);
    await server.close();
  });

  it('deletes immediately and returns a Success status for objects without finalizers', async () => {
    await core.createNamespacedConfigMap({ namespace: 'del', body: { metadata: { name: 'c' } } });
    const st = await core.deleteNamespacedConfigMap({ name: 'c', namespace: 'del' });
    expect(st).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'c', kind: 'configmaps' } });
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'c', namespace: 'del' }))).toMatchObject({ code: 404 });
  });

  it('Background: the owner goes now, its ReplicaSets and pods after', async () => {
    await apps.createNamespacedDeployment({ namespace: 'del', body: deployment('bg') });
    await ready('del', 'bg')();
    // Hold the garbage collector so the moment between "owner gone" and "dependents gone" lasts until it is looked at.
    server.controls.pauseControllers();
    try {
      await apps.deleteNamespacedDeployment({ name: 'bg', namespace: 'del', propagationPolicy: 'Background' });
      expect(server.get('Deployment', 'del', 'bg')).toBeUndefined();
      expect(owned('ReplicaSet', 'del', 'bg')).toHaveLength(1);
    } finally {
      server.controls.resumeControllers();
    }
    await server.waitFor(() => owned('ReplicaSet', 'del', 'bg').length === 0 && owned('Pod', 'del', 'bg').length === 0);
  });

  it('Foreground: the owner stays with the foregroundDeletion finalizer until dependents are gone', async () => {
    await apps.createNamespacedDeployment({ namespace: 'del', body: deployment('fg') });
    await ready('del', 'fg')();
    // Terminating pods linger podTerminationMs; stretch it so that "pods terminating, owner still there" lasts until it is looked at.
    server.controls.setTiming({ podTerminationMs: 60_000 });
    try {
      await apps.deleteNamespacedDeployment({ name: 'fg', namespace: 'del', propagationPolicy: 'Foreground' });
      const during = await apps.readNamespacedDeployment({ name: 'fg', namespace: 'del' });
      expect(during.metadata?.deletionTimestamp).toBeInstanceOf(Date);
      expect(during.metadata?.finalizers).toEqual(['foregroundDeletion']);
      await server.waitFor(() => {
        const pods = owned('Pod', 'del', 'fg');
        return pods.length === 2 && pods.every((p) => p.metadata.deletionTimestamp);
      });
      expect(server.get('Deployment', 'del', 'fg')?.metadata.finalizers).toEqual(['foregroundDeletion']);
    } finally {
      server.controls.setTiming({ podTerminationMs: defaultTiming.podTerminationMs });
    }
    // The pods were given 60 s to go: delete them now (grace 0), as their kubelet would once they stopped.
    for (const p of owned('Pod', 'del', 'fg'))
      await core.deleteNamespacedPod({ name: p.metadata.name ?? '', namespace: 'del', gracePeriodSeconds: 0 });
    await server.waitFor(() => !server.get('Deployment', 'del', 'fg'));
    expect(owned('ReplicaSet', 'del', 'fg')).toHaveLength(0);
    expect(owned('Pod', 'del', 'fg')).toHaveLength(0);
  });

  it('Orphan: dependents stay and lose their ownerReference', async () => {
    await apps.createNamespacedDeployment({ namespace: 'del', body: deployment('orph', 1) });
    await ready('del', 'orph')();
    await apps.deleteNamespacedDeployment({ name: 'orph', namespace: 'del', propagationPolicy: 'Orphan' });
    await server.waitFor(() => !server.get('Deployment', 'del', 'orph'));
    const rs = owned('ReplicaSet', 'del', 'orph');
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences).toBeUndefined();
    expect(owned('Pod', 'del', 'orph')).toHaveLength(1);
  });

  it('terminates pods gracefully', async () => {
    const pod = owned('Pod', 'del', 'orph')[0];
    const res = await core.deleteNamespacedPod({ name: pod.metadata.name ?? '', namespace: 'del' });
    expect(res.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(res.metadata?.deletionGracePeriodSeconds).toBe(30);
    expect(server.get('Pod', 'del', pod.metadata.name ?? '')).toBeDefined();
    await server.waitFor(() => !server.list('Pod', 'del').some((p) => p.metadata.uid === pod.metadata.uid));
  });

  it('holds objects with finalizers until they are removed', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'del',
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    const res = await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'del' });
    expect(res).toBeDefined();
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'del' });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.patchNamespacedConfigMap(
      { name: 'held', namespace: 'del', body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'held', namespace: 'del' }))).toMatchObject({
      code: 404,
    });
  });

  it('terminates a namespace over time, refusing new content, then 404', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await apps.createNamespacedDeployment({ namespace: 'doomed', body: deployment('app') });
    await ready('doomed', 'app')();
    // An emptied namespace lingers (namespaceFinalizeMs) before it goes: stretch that so no look at it can come too late.
    server.controls.setTiming({ namespaceFinalizeMs: 60_000 });
    try {
      const res = await core.deleteNamespace({ name: 'doomed' });
      expect(res).toMatchObject({ status: { phase: 'Terminating' } });
      const ns = await core.readNamespace({ name: 'doomed' });
      expect(ns.status?.phase).toBe('Terminating');
      expect(ns.metadata?.deletionTimestamp).toBeInstanceOf(Date);
      expect(
        await statusOf(core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } })),
      ).toMatchObject({
        code: 403,
        reason: 'Forbidden',
        message:
          'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
        details: { causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }] },
      });
      expect(await statusOf(core.deleteNamespace({ name: 'doomed' }))).toMatchObject({ code: 409, reason: 'Conflict' });
      const contentRemoved = (): boolean =>
        (server.get('Namespace', undefined, 'doomed')?.status?.conditions ?? []).some(
          (c: { type: string; status: string }) => c.type === 'NamespaceContentRemaining' && c.status === 'False',
        );
      await server.waitFor(() => server.list('Pod', 'doomed').length === 0 && contentRemoved());
      expect(server.get('Namespace', undefined, 'doomed')?.status?.phase).toBe('Terminating');
    } finally {
      server.controls.setTiming({ namespaceFinalizeMs: defaultTiming.namespaceFinalizeMs });
    }
    await server.waitFor(() => !server.get('Namespace', undefined, 'doomed'));
    expect(server.list('Pod', 'doomed')).toEqual([]);
    expect(await statusOf(core.readNamespace({ name: 'doomed' }))).toMatchObject({
      code: 404,
      message: 'namespaces "doomed" not found',
    });
    // The name can be reused once it is gone.
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
  });

  it('refuses to delete the default namespace', async () => {
    expect(await statusOf(core.deleteNamespace({ name: 'default' }))).toMatchObject({ code: 403, reason: 'Forbidden' });
  });
});
