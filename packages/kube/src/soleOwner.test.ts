// pctl as the only owner of what it applies: over an object another tool made (the original
// pctl's create), a value later dropped from the stack file goes from the cluster too. Against
// the API test server, whose managedFields follow the API server's field manager (a field
// two managers own stays when one stops applying it; a written managedFields list replaces
// the stored one).
import { describe, expect, it } from 'vitest';
import { createMemoryReporter, type ServiceConfig } from '@pctl/core';
import { kubeServerPerTest } from '../../../test/helpers/kubeServer.js';
import { deployService } from './deployer.js';
import { renderService } from './renderService.js';
import { withoutCoOwners } from './soleOwner.js';
import type { RenderInput } from './types.js';

describe('withoutCoOwners', () => {
  const pctl = {
    manager: 'pctl',
    operation: 'Apply',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:spec': {
        'f:replicas': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } },
      },
    },
  };
  it("takes the fields pctl applies out of other managers' Update entries, and nothing else", () => {
    const other = {
      manager: 'original',
      operation: 'Update',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:annotations': { 'f:note': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:template': {
            'f:spec': {
              'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:terminationMessagePath': {} } },
            },
          },
        },
      },
    };
    const status = {
      manager: 'kube-controller-manager',
      operation: 'Update',
      subresource: 'status',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    };
    const applier = {
      manager: 'other-tool',
      operation: 'Apply',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    };
    expect(withoutCoOwners([pctl, other, status, applier])).toEqual([
      pctl,
      {
        ...other,
        fieldsV1: {
          'f:metadata': { 'f:annotations': { 'f:note': {} } },
          'f:spec': {
            'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:terminationMessagePath': {} } } } },
          },
        },
      },
      status,
      applier,
    ]);
  });
  it('drops an entry left with nothing, and changes nothing when no field is shared or pctl never applied', () => {
    expect(
      withoutCoOwners([
        pctl,
        { manager: 'x', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      ]),
    ).toEqual([pctl]);
    expect(
      withoutCoOwners([
        pctl,
        { manager: 'x', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} } } },
      ]),
    ).toBeUndefined();
    expect(
      withoutCoOwners([
        { manager: 'x', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      ]),
    ).toBeUndefined();
  });
});

describe('deploying over an object another tool made', () => {
  const k = kubeServerPerTest();
  const input = (env: Record<string, string>): RenderInput => {
    const config = { image: 'busybox:1', env, provider: { name: 'kind', options: {} } } as ServiceConfig;
    return {
      stack: 'shop',
      service: 'web',
      config,
      image: 'busybox:1',
      namespace: 'shop',
      options: {},
      fingerprint: 'fp',
    };
  };
  const reporter = createMemoryReporter();
  const envOf = () =>
    (
      (
        k.server.get('Deployment', 'shop', 'shop-web') as {
          spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } };
        }
      ).spec.template.spec.containers[0]!.env ?? []
    )
      .map((e) => e.name)
      .sort();

  it('removes an env var the stack file no longer has, though the other tool had written it too', async () => {
    // The original pctl's Deployment: what pctl renders, created by another manager, with an annotation of its own.
    const objects = renderService(input({ KEEP: 'k', DROP: 'd' }));
    const dep = objects.find((o) => o.kind === 'Deployment')!;
    await k.client.create(objects.find((o) => o.kind === 'Namespace')!);
    await k.client.objects.create(
      {
        ...dep,
        metadata: { ...dep.metadata, annotations: { ...(dep.metadata.annotations ?? {}), 'original/note': 'kept' } },
      } as never,
      undefined,
      undefined,
      'original',
    );
    expect(envOf()).toEqual(['DROP', 'KEEP']);

    await deployService(k.client, input({ KEEP: 'k', DROP: 'd' }), { reporter, rolloutTimeoutMs: 30_000, pollMs: 50 });
    const managers = k.server.get('Deployment', 'shop', 'shop-web')!.metadata.managedFields as {
      manager: string;
      operation: string;
      fieldsV1: object;
    }[];
    // pctl alone owns what it applied; the original keeps what only it wrote (its annotation).
    const original = managers.find((m) => m.manager === 'original' && m.operation === 'Update');
    expect(JSON.stringify(original?.fieldsV1 ?? {})).not.toContain('DROP');
    expect(JSON.stringify(original?.fieldsV1 ?? {})).toContain('original/note');
    // That took one managedFields write (naming the resourceVersion it had read).
    expect(
      k.server.requests.filter(
        (r) => r.method === 'PATCH' && r.contentType === 'application/merge-patch+json' && r.status === 200,
      ),
    ).toHaveLength(1);

    await deployService(k.client, input({ KEEP: 'k' }), { reporter, rolloutTimeoutMs: 30_000, pollMs: 50 });
    expect(envOf()).toEqual(['KEEP']);
    expect(k.server.get('Deployment', 'shop', 'shop-web')!.metadata.annotations?.['original/note']).toBe('kept');
  });

  it('changes no ownership of an object only pctl wrote (no extra request)', async () => {
    await deployService(k.client, input({ A: 'a' }), { reporter, rolloutTimeoutMs: 30_000, pollMs: 50 });
    const writes = () =>
      k.server.requests.filter((r) => r.method === 'PATCH' && r.contentType === 'application/merge-patch+json').length;
    await deployService(k.client, input({ A: 'a', B: 'b' }), { reporter, rolloutTimeoutMs: 30_000, pollMs: 50 });
    expect(writes()).toBe(0);
    expect(envOf()).toEqual(['A', 'B']);
  });
});
