import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';
import { statusOf } from './testClient.js';

describe('kube-api-server CRUD', () => {
  let server: KubeApiServer;
  let core: CoreV1Api;
  beforeAll(async () => {
    server = await startKubeApiServer({ controllers: false });
    core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'crud' } } });
    await core.createNamespace({ body: { metadata: { name: 'other' } } });
    const cm = (name: string, ns: string, labels: Record<string, string>): Promise<V1ConfigMap> =>
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels }, data: { k: name } } });
    await cm('web', 'crud', { app: 'web', tier: 'front', env: 'prod' });
    await cm('api', 'crud', { app: 'api', tier: 'back', env: 'prod' });
    await cm('db', 'crud', { app: 'db', tier: 'back' });
    await cm('web', 'other', { app: 'web', env: 'dev' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates with server-set metadata and reads it back', async () => {
    const got = await core.readNamespacedConfigMap({ name: 'web', namespace: 'crud' });
    expect(got.metadata).toMatchObject({ name: 'web', namespace: 'crud', labels: { app: 'web' } });
    expect(got.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(got.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(got.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(got.metadata?.managedFields?.[0]).toMatchObject({ operation: 'Update', fieldsType: 'FieldsV1' });
  });

  it('returns 404 NotFound and 409 AlreadyExists as Status objects', async () => {
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'nope', namespace: 'crud' }))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'configmaps' },
      code: 404,
    });
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    expect(await statusOf(apps.readNamespacedDeployment({ name: 'web', namespace: 'crud' }))).toMatchObject({
      message: 'deployments.apps "web" not found',
      details: { name: 'web', group: 'apps', kind: 'deployments' },
      code: 404,
    });
    expect(
      await statusOf(core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'web' } } })),
    ).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
      message: 'configmaps "web" already exists',
    });
  });

  it('refuses to create in a missing namespace', async () => {
    expect(
      await statusOf(core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } })),
    ).toMatchObject({
      reason: 'NotFound',
      code: 404,
      message: 'namespaces "ghost" not found',
    });
  });

  it('rejects invalid names and deployments whose selector does not match the template', async () => {
    expect(
      await statusOf(core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'Bad_Name' } } })),
    ).toMatchObject({
      reason: 'Invalid',
      code: 422,
    });
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    const st = await statusOf(
      apps.createNamespacedDeployment({
        namespace: 'crud',
        body: {
          metadata: { name: 'mismatch' },
          spec: {
            selector: { matchLabels: { app: 'a' } },
            template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
          },
        },
      }),
    );
    expect(st).toMatchObject({ reason: 'Invalid', code: 422 });
    expect(st.message).toContain('`selector` does not match template `labels`');
  });

  it('lists with label selectors', async () => {
    const names = async (labelSelector: string): Promise<string[]> =>
      (await core.listNamespacedConfigMap({ namespace: 'crud', labelSelector })).items.map(
        (i) => i.metadata?.name ?? '',
      );
    expect(await names('app=web')).toEqual(['web']);
    expect(await names('app==web')).toEqual(['web']);
    expect(await names('tier!=front')).toEqual(['api', 'db']);
    expect(await names('tier in (front,back),env')).toEqual(['api', 'web']);
    expect(await names('tier notin (front)')).toEqual(['api', 'db']);
    expect(await names('!env')).toEqual(['db']);
    expect(await names('env,tier=back')).toEqual(['api']);
  });

  it('lists across namespaces and with field selectors', async () => {
    const all = await core.listConfigMapForAllNamespaces({ labelSelector: 'app=web' });
    expect(all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`)).toEqual(['crud/web', 'other/web']);
    const byName = await core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.name=web,metadata.namespace!=crud',
    });
    expect(byName.items.map((i) => i.metadata?.namespace)).toEqual(['other']);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('pages lists with limit and continue', async () => {
    const first = await core.listNamespacedConfigMap({ namespace: 'crud', limit: 2 });
    expect(first.items.map((i) => i.metadata?.name)).toEqual(['api', 'db']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const rest = await core.listNamespacedConfigMap({
      namespace: 'crud',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(rest.items.map((i) => i.metadata?.name)).toEqual(['web']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('replaces with a resourceVersion precondition', async () => {
    const cur = await core.readNamespacedConfigMap({ name: 'api', namespace: 'crud' });
    const updated = await core.replaceNamespacedConfigMap({
      name: 'api',
      namespace: 'crud',
      body: { ...cur, data: { k: 'v2' } },
    });
    expect(updated.data).toEqual({ k: 'v2' });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(cur.metadata?.resourceVersion));
    expect(
      await statusOf(
        core.replaceNamespacedConfigMap({ name: 'api', namespace: 'crud', body: { ...cur, data: { k: 'stale' } } }),
      ),
    ).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on configmaps "api": the object has been modified; please apply your changes to the latest version and try again',
    });
    // Without a resourceVersion the replace is unconditional.
    const { resourceVersion: _, ...meta } = updated.metadata ?? {};
    const forced = await core.replaceNamespacedConfigMap({
      name: 'api',
      namespace: 'crud',
      body: { metadata: meta, data: { k: 'v3' } },
    });
    expect(forced.data).toEqual({ k: 'v3' });
  });

  it('keeps the resourceVersion when a write changes nothing', async () => {
    const cur = await core.readNamespacedConfigMap({ name: 'db', namespace: 'crud' });
    const same = await core.replaceNamespacedConfigMap({ name: 'db', namespace: 'crud', body: cur });
    expect(same.metadata?.resourceVersion).toBe(cur.metadata?.resourceVersion);
  });

  it('patches with merge, strategic merge and JSON patch', async () => {
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const a = await core.patchNamespacedConfigMap(
      { name: 'web', namespace: 'crud', body: { metadata: { labels: { env: null, extra: 'y' } }, data: { k2: 'v' } } },
      merge,
    );
    expect(a.metadata?.labels).toEqual({ app: 'web', tier: 'front', extra: 'y' });
    expect(a.data).toEqual({ k: 'web', k2: 'v' });
    const b = await core.patchNamespacedConfigMap({
      name: 'web',
      namespace: 'crud',
      body: [
        { op: 'replace', path: '/data/k', value: 'json' },
        { op: 'remove', path: '/data/k2' },
      ],
    });
    expect(b.data).toEqual({ k: 'json' });
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'crud',
      body: {
        metadata: { name: 'smp' },
        spec: {
          selector: { matchLabels: { app: 'smp' } },
          template: {
            metadata: { labels: { app: 'smp' } },
            spec: {
              containers: [
                { name: 'a', image: 'a:1' },
                { name: 'b', image: 'b:1' },
              ],
            },
          },
        },
      },
    });
    const smp = await apps.patchNamespacedDeployment(
      {
        name: 'smp',
        namespace: 'crud',
        body: { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['a=a:1', 'b=b:2']);
    expect(smp.metadata?.generation).toBe(2);
    expect(
      await statusOf(core.patchNamespacedConfigMap({ name: 'nope', namespace: 'crud', body: { data: {} } }, merge)),
    ).toMatchObject({ code: 404 });
  });

  it('fills in defaults like a real server', async () => {
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: 'smp', namespace: 'crud' });
    expect(d.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(d.spec?.template.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
    });
    expect(d.spec?.template.spec?.containers[0]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    });
    const svc = await core.createNamespacedService({
      namespace: 'crud',
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
    });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    const secret = await core.createNamespacedSecret({
      namespace: 'crud',
      body: { metadata: { name: 's' }, stringData: { password: 'hunter2' } },
    });
    expect(secret.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(secret.stringData).toBeUndefined();
    expect(secret.type).toBe('Opaque');
  });

  it('serves generic objects through KubernetesObjectApi', async () => {
    const client = KubernetesObjectApi.makeApiClient(server.kubeConfig);
    await client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
      rules: [],
    } as never);
    const read = await client.read({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
    });
    expect(read.metadata?.name).toBe('reader');
    const list = await client.list('v1', 'ConfigMap', 'crud', undefined, undefined, undefined, undefined, 'app=db');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['db']);
    await client.delete({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
    });
    expect(server.get('ClusterRole', undefined, 'reader')).toBeUndefined();
  });
});
