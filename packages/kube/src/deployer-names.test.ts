// The deployer and the names of a service's objects, against the Kubernetes API test
// server: two stacks in one namespace coexist, an object of another stack is never taken
// over, objects an earlier pctl named `<service>` move to `<stack>-<service>` (new first,
// rolled out, then the old removed, its claim kept), and the shared StorageClass goes only
// when no stack uses it any more.
import { describe, expect, it } from 'vitest';
import { createMemoryReporter, isPctlError, PctlError, type ServiceConfig } from '@pctl/core';
import { kubeServerPerTest } from '../../../test/helpers/kubeServer.js';
import type { KubeObject as ServerObject } from '../../../test/kube-api-server/index.js';
import { deployService, type DeployOptions } from './deployer.js';
import { destroyService } from './destroy.js';
import { renderService } from './renderService.js';
import { KubeServiceOptionsSchema, type KubeObject, type RenderInput } from './types.js';

const k = kubeServerPerTest();

function input(
  stack: string,
  service: string,
  namespace: string,
  config: Partial<ServiceConfig> = {},
  options: Record<string, unknown> = {},
  extra: Partial<RenderInput> = {},
): RenderInput {
  return {
    stack,
    service,
    config: { image: 'busybox:1', provider: { name: 'kind', options: {} }, ...config },
    image: 'busybox:1',
    namespace,
    options: KubeServiceOptionsSchema.parse(options),
    fingerprint: `fp-${stack}-${service}`,
    ...extra,
  };
}

const opts = (over: Partial<DeployOptions> = {}) => ({
  reporter: createMemoryReporter(),
  rolloutTimeoutMs: 30_000,
  pollMs: 50,
  ...over,
});
const podsOf = (key: string, namespace: string) =>
  k.server
    .list('Pod', namespace)
    .filter((p) => p.metadata.labels?.['pctl-service'] === key && !p.metadata.deletionTimestamp);
const writesTo = (fragment: string) =>
  k.server.requests.filter((r) => ['PATCH', 'PUT', 'POST', 'DELETE'].includes(r.method) && r.path.includes(fragment));

async function failure(p: Promise<unknown>): Promise<PctlError> {
  try {
    await p;
  } catch (e) {
    expect(isPctlError(e), String(e)).toBe(true);
    return e as PctlError;
  }
  throw new Error('expected a rejection, but it resolved');
}

describe('names on the cluster', () => {
  it('deploys stacks shop and shop-staging into one namespace side by side', async () => {
    await deployService(k.client, input('shop', 'web', 'shared', { ports: [80] }), opts());
    await deployService(k.client, input('shop-staging', 'web', 'shared', { ports: [80] }), opts());
    for (const key of ['shop-web', 'shop-staging-web']) {
      const d = k.server.get('Deployment', 'shared', key) as ServerObject;
      expect(d.metadata.labels?.['pctl-service']).toBe(key);
      expect(k.server.get('Service', 'shared', key)).toBeTruthy();
      expect(k.server.get('ServiceAccount', 'shared', key)).toBeTruthy();
      expect(podsOf(key, 'shared')).toHaveLength(1);
    }
    // Each Service selects its own stack's pods only.
    expect(
      (k.server.get('Service', 'shared', 'shop-web')!.spec as { selector: Record<string, string> }).selector,
    ).toEqual({ 'pctl-stack': 'shop', 'pctl-service': 'shop-web' });
  });

  it('refuses to apply over an object of another stack, naming both stacks, and writes nothing', async () => {
    // Stack a, service b-c and stack a-b, service c both name their objects a-b-c.
    await deployService(k.client, input('a', 'b-c', 'shared', { ports: [80] }), opts());
    const before = k.server.get('Deployment', 'shared', 'a-b-c') as ServerObject;
    const writes = k.server.requests.length;
    const err = await failure(deployService(k.client, input('a-b', 'c', 'shared', { ports: [80] }), opts()));
    expect(err.code).toBe('ObjectOwnedByOtherStack');
    expect(err.message).toMatch(
      /^a-b-c: ServiceAccount shared\/a-b-c belongs to stack "a" \(label pctl-stack\), not to stack "a-b"/,
    );
    expect(err.hint).toContain('destroy stack "a"');
    expect(k.server.requests.slice(writes).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(k.server.get('Deployment', 'shared', 'a-b-c')).toEqual(before);
  });

  it('refuses a raw manifest object another stack labelled as its own', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } };
    await deployService(k.client, input('one', 'api', 'shared', {}, {}, { manifests: [cm] }), opts());
    const err = await failure(
      deployService(k.client, input('two', 'api', 'shared', {}, {}, { manifests: [cm] }), opts()),
    );
    expect(err.message).toContain('ConfigMap shared/settings belongs to stack "one"');
    expect((k.server.get('ConfigMap', 'shared', 'settings')!.metadata.labels ?? {})['pctl-stack']).toBe('one');
  });
});

// The objects pctl 0.x made: Deployment and Service named `<service>`, pull Secret
// `<key>-pull`, claim `<key>-storage`; same labels as today.
function legacyObjects(i: RenderInput): KubeObject[] {
  const rename: Record<string, string> = {
    Deployment: 'web',
    Service: 'web',
    Secret: 'shop-web-pull',
    PersistentVolumeClaim: 'shop-web-storage',
  };
  return renderService(i)
    .slice(1)
    .map((o) => {
      const x = structuredClone(o) as KubeObject & {
        spec?: { template?: { spec: { volumes?: { persistentVolumeClaim?: { claimName: string } }[] } } };
      };
      if (rename[o.kind]) x.metadata.name = rename[o.kind]!;
      if (o.kind === 'ServiceAccount' && x.imagePullSecrets) x.imagePullSecrets = [{ name: 'shop-web-pull' }];
      for (const v of x.spec?.template?.spec.volumes ?? [])
        if (v.persistentVolumeClaim) v.persistentVolumeClaim.claimName = 'shop-web-storage';
      return x;
    });
}

describe('moving objects of an earlier pctl to the new names', () => {
  it('creates the new objects, rolls them out, then removes the old ones and their pods; the claim keeps its name', async () => {
    const i = input(
      'shop',
      'web',
      'shop',
      { ports: [80], volumes: [{ path: '/data' }] },
      { storage: { size: '1Gi' } },
      { pullSecret: { server: 'r.io', username: 'u', password: 'p' } },
    );
    await k.client.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { 'managed-by': 'pctl', 'pctl-stack': 'shop', 'pctl-service': 'shop-web' } },
    });
    for (const o of legacyObjects(i)) await k.client.apply(o);
    await k.server.waitFor(() => podsOf('shop-web', 'shop').some((p) => p.status?.phase === 'Running'));
    const oldPods = podsOf('shop-web', 'shop').map((p) => p.metadata.name);
    const claimUid = k.server.get('PersistentVolumeClaim', 'shop', 'shop-web-storage')!.metadata.uid;

    const o = opts();
    const extras = await deployService(k.client, { ...i, fingerprint: 'fp-2' }, o);

    expect(k.server.get('Deployment', 'shop', 'web')).toBeUndefined();
    expect(k.server.get('Service', 'shop', 'web')).toBeUndefined();
    expect(k.server.get('Secret', 'shop', 'shop-web-pull')).toBeUndefined();
    expect(k.server.get('Deployment', 'shop', 'shop-web')).toBeTruthy();
    expect(k.server.get('Service', 'shop', 'shop-web')).toBeTruthy();
    expect(k.server.get('Secret', 'shop', 'shop-web-regcred')).toBeTruthy();
    // The old claim, its data with it, is what the new Deployment mounts.
    expect(k.server.get('PersistentVolumeClaim', 'shop', 'shop-web-storage')!.metadata.uid).toBe(claimUid);
    expect(k.server.get('PersistentVolumeClaim', 'shop', 'shop-web')).toBeUndefined();
    const vols = (
      k.server.get('Deployment', 'shop', 'shop-web')!.spec as { template: { spec: { volumes: unknown[] } } }
    ).template.spec.volumes;
    expect(vols).toEqual([{ name: 'storage-0', persistentVolumeClaim: { claimName: 'shop-web-storage' } }]);
    // The old pods are gone, the new one runs.
    const pods = podsOf('shop-web', 'shop');
    expect(pods.map((p) => p.metadata.name).filter((n) => oldPods.includes(n))).toEqual([]);
    expect(pods.filter((p) => p.status?.phase === 'Running')).toHaveLength(1);
    expect(extras.objects).toContain('v1/PersistentVolumeClaim/shop/shop-web-storage');
    // New first: every apply happened before the first delete.
    const lastApply = k.server.requests.map((r, n) => (r.method === 'PATCH' ? n : -1)).reduce((a, b) => Math.max(a, b));
    const firstDelete = k.server.requests.findIndex((r) => r.method === 'DELETE');
    expect(firstDelete).toBeGreaterThan(lastApply);
    expect(o.reporter.events.map((e) => e.text)).toContain(
      'deleting Deployment shop/web (no longer part of the service)',
    );
  });
});

describe('shared StorageClass', () => {
  const efs = (stack: string) =>
    input(
      stack,
      'files',
      'shared',
      { volumes: [{ path: '/srv' }] },
      { storage: { name: 'efs', id: 'fs-0123456789abcdef0' } },
      { cloud: 'aws' },
    );

  it('is created once for two stacks, kept while one still uses it, and removed after the last', async () => {
    const a = await deployService(k.client, efs('alpha'), opts());
    const b = await deployService(k.client, efs('beta'), opts());
    expect(a.storageClasses).toEqual(['efs-sc']);
    expect(b.storageClasses).toEqual(['efs-sc']);
    expect(writesTo('/storageclasses').filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(writesTo('/storageclasses').filter((r) => r.method === 'PATCH')).toHaveLength(0);
    const pv = k.server.get('PersistentVolume', undefined, 'alpha-files')!;
    expect((pv.spec as { csi: unknown }).csi).toEqual({
      driver: 'efs.csi.aws.com',
      volumeHandle: 'fs-0123456789abcdef0',
    });
    expect((k.server.get('PersistentVolumeClaim', 'shared', 'alpha-files')!.status as { phase: string }).phase).toBe(
      'Bound',
    );

    await destroyService(k.client, {
      stack: 'alpha',
      service: 'files',
      entry: a,
      reporter: createMemoryReporter(),
      pollMs: 50,
    });
    expect(k.server.get('PersistentVolume', undefined, 'alpha-files')).toBeUndefined();
    expect(k.server.get('StorageClass', undefined, 'efs-sc')).toBeTruthy();

    await destroyService(k.client, {
      stack: 'beta',
      service: 'files',
      entry: b,
      reporter: createMemoryReporter(),
      pollMs: 50,
    });
    expect(k.server.get('StorageClass', undefined, 'efs-sc')).toBeUndefined();
  });

  it('never changes or deletes a StorageClass of that name it did not make', async () => {
    await k.client.create({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'efs-sc' },
      provisioner: 'efs.csi.aws.com',
      parameters: { provisioningMode: 'efs-ap' },
    });
    const a = await deployService(k.client, efs('alpha'), opts());
    await destroyService(k.client, {
      stack: 'alpha',
      service: 'files',
      entry: a,
      reporter: createMemoryReporter(),
      pollMs: 50,
    });
    const sc = k.server.get('StorageClass', undefined, 'efs-sc')!;
    expect(sc.metadata.labels).toBeUndefined();
    expect((sc as { parameters?: unknown }).parameters).toEqual({ provisioningMode: 'efs-ap' });
  });
});

describe('kinds the server does not serve', () => {
  it('checks nothing for them (a CRD applied first may bring them) and fails at their apply, naming it', async () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } };
    const err = await failure(
      deployService(k.client, input('shop', 'api', 'shared', {}, {}, { manifests: [widget] }), opts()),
    );
    expect(err.message).toMatch(/^applying Widget shared\/w: /);
  });
});
