import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, makeInformer, Watch, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';
import { statusOf } from './testClient.js';

describe('kube-api-server watches and extras', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  beforeAll(async () => {
    server = await startKubeApiServer({ contextName: 'w', namespace: 'watched' });
    core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'watched' } } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('streams ADDED, MODIFIED and DELETED events to client-node Watch', async () => {
    const seen: string[] = [];
    const watch = new Watch(server.kubeConfig);
    const list = await core.listNamespacedConfigMap({ namespace: 'watched' });
    const req = await watch.watch(
      '/api/v1/namespaces/watched/configmaps',
      { resourceVersion: list.metadata?.resourceVersion, labelSelector: 'w=1' },
      (type: string, obj: KubernetesObject) => seen.push(`${type} ${obj.metadata?.name}`),
      () => undefined,
    );
    await core.createNamespacedConfigMap({
      namespace: 'watched',
      body: { metadata: { name: 'a', labels: { w: '1' } } },
    });
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'ignored' } } });
    await core.replaceNamespacedConfigMap({
      name: 'a',
      namespace: 'watched',
      body: { metadata: { name: 'a', labels: { w: '1' } }, data: { x: '1' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'watched' });
    // Relabelling moves an object into and out of the watch's selector.
    await core.replaceNamespacedConfigMap({
      name: 'ignored',
      namespace: 'watched',
      body: { metadata: { name: 'ignored', labels: { w: '1' } } },
    });
    await core.replaceNamespacedConfigMap({
      name: 'ignored',
      namespace: 'watched',
      body: { metadata: { name: 'ignored' } },
    });
    await server.waitFor(() => seen.length >= 5);
    req.abort();
    expect(seen).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a', 'ADDED ignored', 'DELETED ignored']);
  });

  it('feeds an informer', async () => {
    const informer = makeInformer<V1ConfigMap>(server.kubeConfig, '/api/v1/namespaces/watched/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'watched' }),
    );
    const added: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
    await informer.start();
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'via-informer' } } });
    await server.waitFor(() => added.includes('via-informer'));
    await informer.stop();
    expect(added).toContain('ignored');
  });

  it('uses the context namespace as the default namespace', () => {
    expect(server.kubeConfig.getContextObject('w')?.namespace).toBe('watched');
  });

  it('injects faults for retry tests', async () => {
    server.controls.injectFault({ method: 'GET', path: '/configmaps/ignored', code: 503, times: 1 });
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'ignored', namespace: 'watched' }))).toMatchObject({
      code: 503,
      reason: 'ServiceUnavailable',
    });
    expect((await core.readNamespacedConfigMap({ name: 'ignored', namespace: 'watched' })).metadata?.name).toBe(
      'ignored',
    );
  });

  it('creates a default ServiceAccount and kube-root-ca.crt in each namespace, binds PVCs and serves pod logs', async () => {
    await server.waitFor(
      () =>
        !!server.get('ServiceAccount', 'watched', 'default') &&
        !!server.get('ConfigMap', 'watched', 'kube-root-ca.crt'),
    );
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'watched',
      body: {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await server.waitFor(() => server.get('PersistentVolumeClaim', 'watched', 'data')?.status?.phase === 'Bound');
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'watched' });
    expect(pvc.status?.capacity).toEqual({ storage: '1Gi' });
    await core.createNamespacedPod({
      namespace: 'watched',
      body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
    });
    await server.waitFor(() => server.get('Pod', 'watched', 'p')?.status?.phase === 'Running');
    const log = await core.readNamespacedPodLog({ name: 'p', namespace: 'watched' });
    expect(log).toContain('busybox:1');
  });

  it('works over plain HTTP too', async () => {
    const plain = await startKubeApiServer({ tls: false, controllers: false });
    try {
      expect(plain.url).toMatch(/^http:\/\//);
      const ns = await plain.kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: 'default' });
      expect(ns.status?.phase).toBe('Active');
    } finally {
      await plain.close();
    }
  });
});
