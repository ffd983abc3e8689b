import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApisApi, AppsV1Api, CoreApi, CoreV1Api, KubernetesObjectApi, VersionApi } from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';

describe('kube-api-server discovery', () => {
  let server: KubeApiServer;
  beforeAll(async () => {
    server = await startKubeApiServer({ contextName: 'kind-pctl' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('writes a kubeconfig whose context, cluster and user carry the requested name', () => {
    expect(server.kubeConfig.getCurrentContext()).toBe('kind-pctl');
    expect(server.kubeConfig.getCurrentCluster()?.server).toBe(server.url);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves /version, /api and /apis', async () => {
    const version = await server.kubeConfig.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.32.0');
    const core = await server.kubeConfig.makeApiClient(CoreApi).getAPIVersions();
    expect(core.versions).toEqual(['v1']);
    const groups = await server.kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(
      expect.arrayContaining(['apps', 'autoscaling', 'rbac.authorization.k8s.io']),
    );
  });

  it('lists resources per group version', async () => {
    const v1 = await server.kubeConfig.makeApiClient(CoreV1Api).getAPIResources();
    const names = v1.resources.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'namespaces',
        'pods',
        'pods/status',
        'services',
        'serviceaccounts',
        'secrets',
        'configmaps',
        'persistentvolumeclaims',
        'persistentvolumes',
        'events',
      ]),
    );
    expect(v1.resources.find((r) => r.name === 'namespaces')?.namespaced).toBe(false);
    const apps = await server.kubeConfig.makeApiClient(AppsV1Api).getAPIResources();
    expect(apps.resources.find((r) => r.name === 'deployments')).toMatchObject({
      kind: 'Deployment',
      namespaced: true,
      shortNames: ['deploy'],
    });
  });

  it('lets KubernetesObjectApi resolve every kind a deployer uses', async () => {
    // resource() is what create/patch/read use to turn apiVersion + kind into a URL; it is protected in the typings.
    const client = KubernetesObjectApi.makeApiClient(server.kubeConfig) as unknown as {
      resource(apiVersion: string, kind: string): Promise<{ kind: string; namespaced: boolean } | undefined>;
    };
    const kinds: [string, string, boolean][] = [
      ['v1', 'Namespace', false],
      ['v1', 'Pod', true],
      ['v1', 'Service', true],
      ['v1', 'ServiceAccount', true],
      ['v1', 'Secret', true],
      ['v1', 'ConfigMap', true],
      ['v1', 'PersistentVolumeClaim', true],
      ['v1', 'PersistentVolume', false],
      ['v1', 'Event', true],
      ['apps/v1', 'Deployment', true],
      ['apps/v1', 'ReplicaSet', true],
      ['autoscaling/v2', 'HorizontalPodAutoscaler', true],
      ['rbac.authorization.k8s.io/v1', 'Role', true],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding', true],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole', false],
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', false],
    ];
    for (const [apiVersion, kind, namespaced] of kinds) {
      const r = await client.resource(apiVersion, kind);
      expect(r, `${apiVersion} ${kind}`).toMatchObject({ kind, namespaced });
    }
    expect(await client.resource('apps/v1', 'Nope')).toBeUndefined();
  });

  it('rejects requests without the kubeconfig token', async () => {
    const https = await import('node:https');
    const cluster = server.kubeConfig.getCurrentCluster();
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      https
        .get(`${server.url}/api/v1/namespaces`, { ca: Buffer.from(cluster?.caData ?? '', 'base64') }, (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          r.on('end', () => resolve({ code: r.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    expect(status.code).toBe(401);
    expect(JSON.parse(status.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });
});
