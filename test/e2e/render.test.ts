// `pctl render`: what deploy would apply, as YAML or JSON, touching no cluster (no
// kubeconfig, no kind, no Docker build), and every object valid against the official
// Kubernetes OpenAPI schemas (kubernetes-models).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { useStack } from '../helpers/stack.js';

const stack = useStack({ example: 'kind' });
const hello = useStack({ example: 'hello' });
// No kind on PATH, no kubeconfig, no Docker engine: render needs none of them.
const env = () => ({
  PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
  KUBECONFIG: stack.path('no-such-kubeconfig'),
  DOCKER_HOST: 'unix:///nonexistent.sock',
});

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

async function validate(o: Obj): Promise<void> {
  const mod = await import(`kubernetes-models/${o.apiVersion}/${o.kind}`);
  const Model = mod[o.kind] ?? mod.default;
  new Model(o).validate();
}

describe('pctl render', () => {
  it('prints every object of every Kubernetes service, valid against the official schemas', async () => {
    const r = await stack.pctl(['render', '--json'], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const rendered = JSON.parse(r.stdout).rendered as { key: string; provider: string; objects: Obj[] }[];
    expect(rendered.map((x) => x.key)).toEqual(['shop-api', 'shop-manifests', 'shop-reports', 'shop-web']);
    const all = rendered.flatMap((x) => x.objects.map((o) => ({ key: x.key, o })));
    const kinds = new Set(all.map(({ o }) => o.kind));
    for (const k of [
      'Namespace',
      'ServiceAccount',
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'Role',
      'RoleBinding',
      'PersistentVolumeClaim',
      'CronJob',
      'ConfigMap',
    ])
      expect(kinds, k).toContain(k);
    for (const { key, o } of all) {
      await expect(validate(o), `${o.kind} ${o.metadata.name}`).resolves.toBeUndefined();
      expect(o.metadata.labels).toMatchObject({ 'managed-by': 'pctl', 'pctl-stack': 'shop', 'pctl-service': key });
      expect(o.metadata.annotations?.['pctl/fingerprint']).toMatch(/^[0-9a-f]{64}$/);
    }
    // pctl://api became the content tag the api service would be built with.
    const cron = all.find(({ o }) => o.kind === 'CronJob')!.o as unknown as {
      spec: { jobTemplate: { spec: { template: { spec: { containers: { image: string }[] } } } } };
    };
    const api = all.find(({ o }) => o.kind === 'Deployment' && o.metadata.name === 'shop-api')!.o as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(api.spec.template.spec.containers[0]!.image).toMatch(/^pctl-shop-api:[0-9a-f]{12}$/);
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0]!.image).toBe(
      api.spec.template.spec.containers[0]!.image,
    );
  });

  it('prints YAML documents that parse to the same objects, for one service', async () => {
    const json = JSON.parse((await stack.pctl(['render', '--json', 'web'], { env: env() })).stdout).rendered as {
      objects: Obj[];
    }[];
    const r = await stack.pctl(['render', 'web'], { env: env() });
    expect(r.exitCode).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    expect(docs).toEqual(json[0]!.objects);
    expect(docs.map((d) => d.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
    ]);
  });

  it('is deterministic and follows the inputs', async () => {
    const a = (await stack.pctl(['render'], { env: env() })).stdout;
    const b = (await stack.pctl(['render'], { env: env() })).stdout;
    expect(a).toBe(b);
    writeFileSync(stack.path('api/index.html'), 'changed\n');
    const c = (await stack.pctl(['render', 'api'], { env: env() })).stdout;
    expect(c).not.toContain(/image: (pctl-shop-api:[0-9a-f]{12})/.exec(a)![1]);
  });

  it('rejects an unknown service, an unknown pctl:// name, and a broken manifest with exit 2 and the place', async () => {
    const unknown = await stack.pctl(['render', 'nope'], { env: env() });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/error: no service "nope" in .*pctl\.yaml/);

    const manifest = stack.path('k8s/report-job.yaml');
    const good = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, good.replace('image: pctl://api', 'image: pctl://apii'));
    const badRef = await stack.pctl(['render'], { env: env() });
    expect(badRef.exitCode).toBe(2);
    expect(badRef.stderr).toMatch(
      /error: k8s\/report-job\.yaml:\d+ \(services\.reports\.manifests\): pctl:\/\/apii names no service/,
    );

    writeFileSync(manifest, good.replace('kind: ConfigMap', 'kind: ConfigMap\n  bad: [unclosed'));
    const badYaml = await stack.pctl(['render', 'reports'], { env: env() });
    expect(badYaml.exitCode).toBe(2);
    expect(badYaml.stderr).toMatch(/error: .*report-job\.yaml/);
    writeFileSync(manifest, good);
  });

  it('says so for a stack with no Kubernetes service', async () => {
    const r = await hello.pctl(['render'], { env: env() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no service of this stack deploys to Kubernetes');
  });
});
