import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';
import { until } from '../helpers/until.js';

function deployment(name: string, image: string, replicas = 2): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'rollout' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  } as KubernetesObject;
}

/** The check `kubectl rollout status` makes. */
function rolledOut(d: V1Deployment | undefined): boolean {
  const s = d?.status;
  const want = d?.spec?.replicas ?? 1;
  return (
    !!d &&
    (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s?.updatedReplicas ?? 0) === want &&
    (s?.replicas ?? 0) === want &&
    (s?.availableReplicas ?? 0) === want
  );
}

describe('kube-api-server deployment controller', () => {
  let server: KubeApiServer;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let objects: KubernetesObjectApi;
  const apply = (obj: KubernetesObject) =>
    objects.patch(obj, undefined, undefined, 'pctl', true, PatchStrategy.ServerSideApply);
  const read = (name: string) => apps.readNamespacedDeployment({ name, namespace: 'rollout' });
  const waitRolledOut = (name: string): Promise<V1Deployment> =>
    until(
      `${name} to roll out`,
      async () => {
        const d = await read(name);
        return rolledOut(d) && d;
      },
      { intervalMs: 25 },
    );

  beforeAll(async () => {
    server = await startKubeApiServer();
    apps = server.kubeConfig.makeApiClient(AppsV1Api);
    core = server.kubeConfig.makeApiClient(CoreV1Api);
    objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
    await core.createNamespace({ body: { metadata: { name: 'rollout' } } });
  });
  afterAll(async () => {
    expect(server.controllerErrors).toEqual([]);
    await server.close();
  });

  it('rolls a new deployment out to ready pods', async () => {
    await apply(deployment('web', 'nginx:1.27'));
    const d = await waitRolledOut('web');
    expect(d.status).toMatchObject({
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
      observedGeneration: 1,
    });
    const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
    expect(conds).toEqual({ Available: 'True/MinimumReplicasAvailable', Progressing: 'True/NewReplicaSetAvailable' });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');

    const rs = await apps.listNamespacedReplicaSet({ namespace: 'rollout', labelSelector: 'app=web' });
    expect(rs.items).toHaveLength(1);
    expect(rs.items[0].metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: d.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const hash = rs.items[0].metadata?.labels?.['pod-template-hash'];
    expect(rs.items[0].metadata?.name).toBe(`web-${hash}`);

    const pods = await core.listNamespacedPod({ namespace: 'rollout', labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const p of pods.items) {
      expect(p.metadata?.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(p.metadata?.labels).toEqual({ app: 'web', tier: 'web', 'pod-template-hash': hash });
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        name: `web-${hash}`,
        controller: true,
      });
      expect(p.status?.phase).toBe('Running');
      expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(p.status?.containerStatuses?.[0]).toMatchObject({
        name: 'main',
        ready: true,
        started: true,
        restartCount: 0,
      });
      expect(p.spec?.nodeName).toBeTruthy();
    }
    const reasons = server.events('rollout').map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['ScalingReplicaSet', 'SuccessfulCreate', 'Scheduled', 'Pulled', 'Started']),
    );
  });

  it('rolls new pods on a template change and keeps the old ReplicaSet at zero', async () => {
    const before = await read('web');
    await apply(deployment('web', 'nginx:1.28'));
    const d = await waitRolledOut('web');
    expect(d.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const rs = (await apps.listNamespacedReplicaSet({ namespace: 'rollout', labelSelector: 'app=web' })).items;
    expect(rs.map((r) => r.spec?.replicas).sort()).toEqual([0, 2]);
    await server.waitFor(
      () => server.list('Pod', 'rollout').filter((p) => p.metadata.labels?.app === 'web').length === 2,
    );
    const pods = await core.listNamespacedPod({ namespace: 'rollout', labelSelector: 'app=web' });
    expect(pods.items.map((p) => p.spec?.containers[0].image)).toEqual(['nginx:1.28', 'nginx:1.28']);
  });

  it('scales through the scale subresource', async () => {
    await apps.replaceNamespacedDeploymentScale({
      name: 'web',
      namespace: 'rollout',
      body: { metadata: { name: 'web' }, spec: { replicas: 3 } },
    });
    const d = await waitRolledOut('web');
    expect(d.status?.readyReplicas).toBe(3);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'rollout' });
    expect(scale.spec?.replicas).toBe(3);
  });

  it('reports image pull failures as waiting pods, events and a stalled rollout', async () => {
    server.controls.failImage('does-not-exist', 'ImagePullBackOff');
    await apply(deployment('broken', 'registry.local/does-not-exist:1', 1));
    await server.waitFor(() =>
      server.events('rollout').some((e) => e.reason === 'BackOff' && String(e.message).includes('does-not-exist')),
    );
    const pods = await core.listNamespacedPod({ namespace: 'rollout', labelSelector: 'app=broken' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0];
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0].state?.waiting?.reason).toBe('ImagePullBackOff');
    const events = await core.listNamespacedEvent({
      namespace: 'rollout',
      fieldSelector: `involvedObject.name=${pod.metadata?.name}`,
    });
    const warnings = events.items.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Failed: Failed to pull image "registry.local\/does-not-exist:1"/),
        'Failed: Error: ImagePullBackOff',
      ]),
    );
    const d = await read('broken');
    expect(rolledOut(d)).toBe(false);
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('False');
  });

  it('keeps old pods serving while a bad update cannot become available, then times out', async () => {
    server.controls.setTiming({ progressDeadlineMsPerSecond: 1 });
    const bad = deployment('web', 'nginx:does-not-exist', 3);
    (bad as { spec: { progressDeadlineSeconds: number } }).spec.progressDeadlineSeconds = 300;
    await apply(bad);
    await server.waitFor(() => {
      const d = server.get('Deployment', 'rollout', 'web');
      return (d?.status?.conditions ?? []).some((c: { reason: string }) => c.reason === 'ProgressDeadlineExceeded');
    });
    const d = await read('web');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    expect(d.status?.availableReplicas).toBeGreaterThanOrEqual(2);
    expect(d.status?.updatedReplicas).toBe(1);
    server.controls.setTiming({ progressDeadlineMsPerSecond: 10 });
  });

  it('recovers once the image becomes pullable', async () => {
    server.controls.clearImageFailures();
    const d = await waitRolledOut('web');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
  });

  it('shows crash-looping containers with restarts and BackOff events', async () => {
    server.controls.failImage('crashy', 'CrashLoopBackOff');
    await apply(deployment('crash', 'crashy:1', 1));
    await server.waitFor(() =>
      server
        .list('Pod', 'rollout')
        .some((p) => p.metadata.labels?.app === 'crash' && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2),
    );
    const pod = (await core.listNamespacedPod({ namespace: 'rollout', labelSelector: 'app=crash' })).items[0];
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.containerStatuses?.[0].state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(pod.status?.containerStatuses?.[0].lastState?.terminated?.exitCode).toBe(1);
    expect(
      server
        .events('rollout', pod.metadata?.name)
        .some(
          (e) => e.reason === 'BackOff' && String(e.message).startsWith('Back-off restarting failed container main'),
        ),
    ).toBe(true);
  });

  it('keeps unschedulable pods pending with a FailedScheduling event', async () => {
    server.controls.unschedulable({ app: 'big' });
    await apply(deployment('big', 'nginx:1', 1));
    await server.waitFor(() => server.events('rollout').some((e) => e.reason === 'FailedScheduling'));
    const pod = (await core.listNamespacedPod({ namespace: 'rollout', labelSelector: 'app=big' })).items[0];
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.conditions?.[0]).toMatchObject({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
    });
  });
});
