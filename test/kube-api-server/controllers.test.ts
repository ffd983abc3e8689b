import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';

function deployment(name: string, image: string, strategy?: 'Recreate'): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 2,
      ...(strategy ? { strategy: { type: strategy } } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

describe('kube-api-server other controllers', () => {
  let server: KubeApiServer;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const revisionOf = (name: string): string | undefined =>
    server.get('Deployment', 'ctl', name)?.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const rolledOut = (name: string) => (): boolean => {
    const d = server.get('Deployment', 'ctl', name);
    return (
      !!d &&
      d.status?.observedGeneration === d.metadata.generation &&
      d.status?.updatedReplicas === d.spec?.replicas &&
      d.status?.availableReplicas === d.spec?.replicas &&
      d.status?.replicas === d.spec?.replicas
    );
  };
  const image = (name: string) => ({ spec: { template: { spec: { containers: [{ name: 'main', image: name }] } } } });

  beforeAll(async () => {
    server = await startKubeApiServer();
    apps = server.kubeConfig.makeApiClient(AppsV1Api);
    core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'ctl' } } });
  });
  afterAll(async () => {
    expect(server.controllerErrors).toEqual([]);
    await server.close();
  });

  it('rolls back to an earlier template by reusing its ReplicaSet with a new revision', async () => {
    await apps.createNamespacedDeployment({ namespace: 'ctl', body: deployment('rb', 'app:1') });
    await server.waitFor(rolledOut('rb'));
    await apps.patchNamespacedDeployment({ name: 'rb', namespace: 'ctl', body: image('app:2') }, merge);
    await server.waitFor(() => revisionOf('rb') === '2' && rolledOut('rb')());
    await apps.patchNamespacedDeployment({ name: 'rb', namespace: 'ctl', body: image('app:1') }, merge);
    await server.waitFor(() => revisionOf('rb') === '3' && rolledOut('rb')());
    const rs = server.list('ReplicaSet', 'ctl').filter((r) => r.metadata.labels?.app === 'rb');
    expect(rs).toHaveLength(2);
    const active = rs.find((r) => r.spec?.replicas === 2);
    expect(active?.spec?.template.spec.containers[0].image).toBe('app:1');
    expect(active?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('Recreate: old pods are gone before new ones start', async () => {
    await apps.createNamespacedDeployment({ namespace: 'ctl', body: deployment('rc', 'app:1', 'Recreate') });
    await server.waitFor(rolledOut('rc'));
    await apps.patchNamespacedDeployment({ name: 'rc', namespace: 'ctl', body: image('app:2') }, merge);
    let mixed = false;
    await server.waitFor(() => {
      const images = new Set(
        server
          .list('Pod', 'ctl')
          .filter((p) => p.metadata.labels?.app === 'rc')
          .map((p) => p.spec?.containers[0].image),
      );
      if (images.size > 1) mixed = true;
      return revisionOf('rc') === '2' && rolledOut('rc')();
    });
    expect(mixed).toBe(false);
  });

  it('pauses a deployment', async () => {
    await apps.patchNamespacedDeployment(
      { name: 'rc', namespace: 'ctl', body: { spec: { paused: true, ...image('app:3').spec } } },
      merge,
    );
    await server.waitFor(() =>
      (server.get('Deployment', 'ctl', 'rc')?.status?.conditions ?? []).some(
        (c: { reason: string }) => c.reason === 'DeploymentPaused',
      ),
    );
    expect(
      server
        .list('Pod', 'ctl')
        .filter((p) => p.metadata.labels?.app === 'rc')
        .every((p) => p.spec?.containers[0].image === 'app:2'),
    ).toBe(true);
  });

  it('runs a Job to completion', async () => {
    const batch = server.kubeConfig.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: 'ctl',
      body: {
        metadata: { name: 'migrate' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'migrate:1' }] } } },
      },
    });
    await server.waitFor(() =>
      (server.get('Job', 'ctl', 'migrate')?.status?.conditions ?? []).some(
        (c: { type: string }) => c.type === 'Complete',
      ),
    );
    const job = await batch.readNamespacedJob({ name: 'migrate', namespace: 'ctl' });
    expect(job.status?.succeeded).toBe(1);
    const pods = await core.listNamespacedPod({ namespace: 'ctl', labelSelector: 'job-name=migrate' });
    expect(pods.items.map((p) => p.status?.phase)).toEqual(['Succeeded']);
  });

  it('fails a Job whose pods crash after backoffLimit', async () => {
    server.controls.failImage('bad-migrate', 'CrashLoopBackOff');
    const batch = server.kubeConfig.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: 'ctl',
      body: {
        metadata: { name: 'bad' },
        spec: {
          backoffLimit: 1,
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'bad-migrate:1' }] } },
        },
      },
    });
    await server.waitFor(() =>
      (server.get('Job', 'ctl', 'bad')?.status?.conditions ?? []).some((c: { type: string }) => c.type === 'Failed'),
    );
    expect(server.get('Job', 'ctl', 'bad')?.status?.failed).toBe(2);
  });

  it('gives LoadBalancer services an IP and keeps Endpoints in step with ready pods', async () => {
    await core.createNamespacedService({
      namespace: 'ctl',
      body: {
        metadata: { name: 'rb' },
        spec: { type: 'LoadBalancer', selector: { app: 'rb' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    await server.waitFor(() => !!server.get('Service', 'ctl', 'rb')?.status?.loadBalancer?.ingress);
    const svc = await core.readNamespacedService({ name: 'rb', namespace: 'ctl' });
    expect(svc.status?.loadBalancer?.ingress?.[0].ip).toMatch(/^172\.18\.255\./);
    expect(svc.spec?.ports?.[0].nodePort).toBeGreaterThanOrEqual(30000);
    const subsets = () => server.get('Endpoints', 'ctl', 'rb')?.subsets as { addresses?: unknown[] }[] | undefined;
    await server.waitFor(() => (subsets()?.[0]?.addresses?.length ?? 0) === 2);
    const ep = await core.readNamespacedEndpoints({ name: 'rb', namespace: 'ctl' });
    expect(ep.subsets?.[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
  });
});
