import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from './index.js';
import { statusOf } from './testClient.js';

function deployment(replicas: number | undefined, image: string, extra: Record<string, string> = {}): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ssa', labels: { app: 'web', ...extra } },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
  } as KubernetesObject;
}

describe('kube-api-server server-side apply', () => {
  let server: KubeApiServer;
  let objects: KubernetesObjectApi;
  const apply = (obj: KubernetesObject, manager: string | undefined, force?: boolean) =>
    objects.patch(obj, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

  beforeAll(async () => {
    server = await startKubeApiServer({ controllers: false });
    objects = KubernetesObjectApi.makeApiClient(server.kubeConfig);
    await server.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'ssa' } } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('requires a field manager', async () => {
    expect(await statusOf(apply(deployment(1, 'nginx:1'), undefined))).toMatchObject({
      reason: 'Invalid',
      code: 422,
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    });
  });

  it('creates a missing object and records the manager', async () => {
    const created = await apply(deployment(2, 'nginx:1'), 'pctl');
    expect(created.metadata?.generation).toBe(1);
    const managed = created.metadata?.managedFields ?? [];
    expect(managed).toHaveLength(1);
    expect(managed[0]).toMatchObject({
      manager: 'pctl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      fieldsType: 'FieldsV1',
    });
    expect(managed[0].fieldsV1).toMatchObject({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
    expect(
      server.requests.some(
        (r) => r.method === 'PATCH' && r.contentType === 'application/apply-patch+yaml' && r.status === 201,
      ),
    ).toBe(true);
  });

  it('updates on re-apply, and a re-apply that changes nothing keeps the resourceVersion', async () => {
    const before = server.get('Deployment', 'ssa', 'web');
    const same = await apply(deployment(2, 'nginx:1'), 'pctl');
    expect(same.metadata?.resourceVersion).toBe(before?.metadata.resourceVersion);
    const changed = await apply(deployment(2, 'nginx:2'), 'pctl');
    expect(
      (changed as never as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec
        .containers[0].image,
    ).toBe('nginx:2');
    expect(changed.metadata?.generation).toBe(2);
  });

  it('removes fields the manager stops applying', async () => {
    const out = await apply(deployment(2, 'nginx:2', { team: 'a' }), 'pctl');
    expect(out.metadata?.labels).toEqual({ app: 'web', team: 'a' });
    const dropped = await apply(deployment(2, 'nginx:2'), 'pctl');
    expect(dropped.metadata?.labels).toEqual({ app: 'web' });
  });

  it('reports a conflict when another manager changes a field it does not own', async () => {
    const st = await statusOf(apply(deployment(5, 'nginx:2'), 'other-tool'));
    expect(st).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      message: 'Apply failed with 1 conflict: conflict with "pctl" using apps/v1: .spec.replicas',
      details: {
        name: 'web',
        group: 'apps',
        kind: 'deployments',
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "pctl" using apps/v1', field: '.spec.replicas' },
        ],
      },
    });
  });

  it('shares ownership when another manager applies the same value', async () => {
    const shared = await apply(deployment(2, 'nginx:2'), 'other-tool');
    expect(shared.metadata?.managedFields?.map((m) => m.manager).sort()).toEqual(['other-tool', 'pctl']);
  });

  it('takes ownership with force', async () => {
    const forced = await apply(deployment(5, 'nginx:2'), 'hpa-ish', true);
    expect((forced as never as { spec: { replicas: number } }).spec.replicas).toBe(5);
    const pctl = forced.metadata?.managedFields?.find((m) => m.manager === 'pctl');
    expect((pctl?.fieldsV1 as { 'f:spec': Record<string, unknown> })['f:spec']['f:replicas']).toBeUndefined();
    // pctl no longer owns replicas, so leaving it out does not reset it; applying it again conflicts.
    const st = await statusOf(apply(deployment(2, 'nginx:2'), 'pctl'));
    expect(st.message).toBe('Apply failed with 1 conflict: conflict with "hpa-ish" using apps/v1: .spec.replicas');
    const withoutReplicas = await apply(deployment(undefined, 'nginx:2'), 'pctl');
    expect((withoutReplicas as never as { spec: { replicas: number } }).spec.replicas).toBe(5);
  });

  it('lets a non-apply update take fields away without a conflict', async () => {
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    const scaled = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'ssa', body: { spec: { replicas: 7 } }, fieldManager: 'kubectl-scale' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(scaled.spec?.replicas).toBe(7);
    const owner = scaled.metadata?.managedFields?.find((m) => m.manager === 'kubectl-scale');
    expect(owner).toMatchObject({ operation: 'Update' });
    expect(await statusOf(apply(deployment(3, 'nginx:2'), 'hpa-ish'))).toMatchObject({ code: 409 });
  });

  it('rejects force on non-apply patches and a stale resourceVersion in an apply', async () => {
    const apps = server.kubeConfig.makeApiClient(AppsV1Api);
    expect(
      await statusOf(
        apps.patchNamespacedDeployment(
          { name: 'web', namespace: 'ssa', body: { spec: { replicas: 1 } }, force: true },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ),
    ).toMatchObject({ code: 422, reason: 'Invalid' });
    const stale = deployment(undefined, 'nginx:2');
    stale.metadata = { ...stale.metadata, resourceVersion: '1' };
    expect(await statusOf(apply(stale, 'pctl'))).toMatchObject({ code: 409, reason: 'Conflict' });
  });

  it('applies YAML bodies as well as JSON', async () => {
    const yamlBody =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  namespace: ssa\ndata:\n  a: "1"\n';
    const res = await fetchWithKubeconfig(
      server,
      '/api/v1/namespaces/ssa/configmaps/from-yaml?fieldManager=yaml-tool',
      yamlBody,
    );
    expect(res.code).toBe(201);
    expect(server.get('ConfigMap', 'ssa', 'from-yaml')?.data).toEqual({ a: '1' });
  });

  it('takes managedFields a patch or update writes (a valid, non-empty list), and keeps the stored ones otherwise', async () => {
    const cm = (data: Record<string, string>) =>
      ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'owned', namespace: 'ssa' },
        data,
      }) as KubernetesObject;
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'ssa',
      body: cm({ a: '1', b: '2' }) as never,
      fieldManager: 'creator',
    });
    const both = await apply(cm({ a: '1', b: '2' }), 'pctl');
    expect(both.metadata?.managedFields?.map((m) => m.manager).sort()).toEqual(['creator', 'pctl']);
    // A merge patch with a list that gives up the creator's entry: stored as written, and
    // then pctl alone owns b, so dropping it from the applied config removes it.
    const mine = both.metadata!.managedFields!.filter((m) => m.manager === 'pctl');
    const rv = both.metadata!.resourceVersion;
    const patched = await objects.patch(
      { ...cm({}), metadata: { name: 'owned', namespace: 'ssa', resourceVersion: rv, managedFields: mine } } as never,
      undefined,
      undefined,
      'pctl',
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(patched.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['pctl', 'Apply']]);
    expect(patched.metadata?.resourceVersion).not.toBe(rv);
    // The resourceVersion it names is a precondition, as for any patch.
    expect(
      await statusOf(
        objects.patch(
          {
            ...cm({}),
            metadata: { name: 'owned', namespace: 'ssa', resourceVersion: rv, managedFields: mine },
          } as never,
          undefined,
          undefined,
          'pctl',
          undefined,
          PatchStrategy.MergePatch,
        ),
      ),
    ).toMatchObject({ code: 409 });
    const dropped = await apply(cm({ a: '1' }), 'pctl');
    expect((dropped as never as { data: unknown }).data).toEqual({ a: '1' });
    // An empty list, or one that is not managedFields, leaves the stored ones as they are.
    for (const managedFields of [[], [{ manager: 'x' }]]) {
      const kept = await objects.patch(
        { ...cm({ c: '3' }), metadata: { name: 'owned', namespace: 'ssa', managedFields } } as never,
        undefined,
        undefined,
        'editor',
        undefined,
        PatchStrategy.MergePatch,
      );
      expect(kept.metadata?.managedFields?.map((m) => m.manager)).toContain('pctl');
    }
  });

  it('supports server-side dry run', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dry', namespace: 'ssa' },
      data: { x: '1' },
    } as KubernetesObject;
    const out = await objects.patch(cm, undefined, 'All', 'pctl', undefined, PatchStrategy.ServerSideApply);
    expect((out as never as { data: unknown }).data).toEqual({ x: '1' });
    expect(server.get('ConfigMap', 'ssa', 'dry')).toBeUndefined();
  });
});

async function fetchWithKubeconfig(
  server: KubeApiServer,
  path: string,
  body: string,
): Promise<{ code: number; body: string }> {
  const https = await import('node:https');
  const ca = Buffer.from(server.kubeConfig.getCurrentCluster()?.caData ?? '', 'base64');
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server.url}${path}`,
      {
        method: 'PATCH',
        ca,
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/apply-patch+yaml' },
      },
      (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ code: r.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
