import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPctlError } from '@pctl/core';
import type { PctlError } from '@pctl/core';
import { loadManifests, isNamespaced } from './manifests.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pctl-manifests-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): void {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

function loadError(files: string[], base = dir): PctlError {
  try {
    loadManifests(files, base);
  } catch (e) {
    expect(isPctlError(e)).toBe(true);
    const err = e as PctlError;
    expect(err.code).toBe('InvalidConfig');
    expect(err.fault).toBe('user');
    return err;
  }
  throw new Error('expected loadManifests to throw');
}

const CM = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n  k: v\n`;

describe('loadManifests: plain files', () => {
  it('reads multi-document files, skipping empty documents, in order', () => {
    write('a.yaml', `---\n${CM('one')}---\n# only a comment\n---\n${CM('two')}---\n`);
    write('b.yml', CM('three'));
    const objs = loadManifests(['a.yaml', 'b.yml'], dir);
    expect(objs.map((o) => o.metadata.name)).toEqual(['one', 'two', 'three']);
    expect(objs[0]).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { k: 'v' } });
  });

  it('flattens List kinds', () => {
    write(
      'list.yaml',
      `apiVersion: v1\nkind: List\nitems:\n  - ${CM('a').trimEnd().split('\n').join('\n    ')}\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: b}\n`,
    );
    const objs = loadManifests(['list.yaml'], dir);
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Secret/b']);
  });

  it('an empty file gives no objects', () => {
    write('empty.yaml', '# nothing\n');
    expect(loadManifests(['empty.yaml'], dir)).toEqual([]);
  });

  it('accepts absolute paths inside baseDir', () => {
    write('sub/x.yaml', CM('x'));
    expect(loadManifests([path.join(dir, 'sub/x.yaml')], dir)).toHaveLength(1);
  });
});

describe('loadManifests: errors', () => {
  it('unreadable (missing) file names the file', () => {
    const err = loadError(['missing.yaml']);
    expect(err.message).toContain('missing.yaml');
    expect(err.message).toMatch(/cannot read/);
  });

  it('YAML syntax error names the file, document and line', () => {
    write('bad.yaml', `${CM('ok')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: [unclosed\n`);
    const err = loadError(['bad.yaml']);
    expect(err.message).toContain('bad.yaml');
    expect(err.message).toContain('document 2');
    expect(err.message).toMatch(/YAML syntax error at line \d+/);
  });

  it('a document without apiVersion/kind/metadata.name names file, document and the missing fields', () => {
    write('nokind.yaml', `${CM('ok')}---\napiVersion: v1\nmetadata:\n  name: x\n`);
    let err = loadError(['nokind.yaml']);
    expect(err.message).toContain('nokind.yaml (document 2)');
    expect(err.message).toContain('kind');

    write('noname.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n');
    err = loadError(['noname.yaml']);
    expect(err.message).toContain('noname.yaml (document 1)');
    expect(err.message).toContain('metadata.name');

    write('noapi.yaml', 'kind: ConfigMap\nmetadata: {name: a}\n');
    err = loadError(['noapi.yaml']);
    expect(err.message).toContain('noapi.yaml (document 1)');
    expect(err.message).toContain('apiVersion');

    write('scalar.yaml', 'just a string\n');
    err = loadError(['scalar.yaml']);
    expect(err.message).toContain('scalar.yaml (document 1)');
  });

  it('a List item without a name is reported with its index', () => {
    write(
      'list.yaml',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {}\n',
    );
    const err = loadError(['list.yaml']);
    expect(err.message).toContain('list.yaml (document 1) item 1');
  });

  it('rejects paths escaping baseDir', () => {
    const inner = path.join(dir, 'stack');
    fs.mkdirSync(inner);
    write('secret.yaml', CM('s'));
    let err = loadError(['../secret.yaml'], inner);
    expect(err.message).toContain('../secret.yaml');
    expect(err.message).toMatch(/outside/);
    err = loadError([path.join(dir, 'secret.yaml')], inner);
    expect(err.message).toMatch(/outside/);
  });

  it('rejects symbolic links that lead outside baseDir', () => {
    const inner = path.join(dir, 'stack');
    fs.mkdirSync(inner);
    write('secret.yaml', CM('s'));
    fs.symlinkSync(path.join(dir, 'secret.yaml'), path.join(inner, 'link.yaml'));
    const err = loadError(['link.yaml'], inner);
    expect(err.message).toMatch(/outside/);
  });

  it('a directory without kustomization is an error', () => {
    fs.mkdirSync(path.join(dir, 'plain'));
    const err = loadError(['plain']);
    expect(err.message).toContain('plain');
    expect(err.message).toMatch(/kustomization/);
  });
});

describe('loadManifests: kustomization', () => {
  const deployment = (name: string) =>
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: ${name}`,
      '  labels: {app: x}',
      'spec:',
      '  selector:',
      '    matchLabels: {app: x}',
      '  template:',
      '    metadata:',
      '      labels: {app: x}',
      '    spec:',
      '      containers: [{name: c, image: pctl://api}]',
      '',
    ].join('\n');

  it('reads resources, namespace, commonLabels, commonAnnotations and namePrefix (also as a directory)', () => {
    write('k/deploy.yaml', deployment('worker'));
    write(
      'k/svc.yaml',
      'apiVersion: v1\nkind: Service\nmetadata: {name: worker}\nspec:\n  selector: {app: x}\n  ports: [{port: 80}]\n',
    );
    write(
      'k/crb.yaml',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules: []\n',
    );
    write(
      'k/kustomization.yaml',
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'namespace: team',
        'namePrefix: dev-',
        'commonLabels: {tier: backend}',
        'commonAnnotations: {owner: me}',
        'resources: [deploy.yaml, svc.yaml, crb.yaml]',
        '',
      ].join('\n'),
    );
    for (const entry of ['k', 'k/kustomization.yaml']) {
      const objs = loadManifests([entry], dir);
      expect(objs.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace ?? '-'}`)).toEqual([
        'Deployment/dev-worker/team',
        'Service/dev-worker/team',
        'ClusterRole/dev-reader/-',
      ]);
      for (const o of objs) {
        expect(o.metadata.labels).toMatchObject({ tier: 'backend' });
        expect(o.metadata.annotations).toEqual({ owner: 'me' });
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const d = objs[0]!.spec as any;
      expect(d.selector.matchLabels).toEqual({ app: 'x', tier: 'backend' });
      expect(d.template.metadata.labels).toEqual({ app: 'x', tier: 'backend' });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      expect((objs[1]!.spec as any).selector).toEqual({ app: 'x', tier: 'backend' });
    }
  });

  it('nests kustomizations: inner transforms first, outer applied on top', () => {
    write('base/cm.yaml', CM('cfg'));
    write('base/kustomization.yml', 'resources: [cm.yaml]\nnamePrefix: base-\nnamespace: inner\n');
    write('overlay/kustomization.yaml', 'resources: [../base, extra.yaml]\nnamePrefix: prod-\nnamespace: outer\n');
    write('overlay/extra.yaml', CM('extra'));
    const objs = loadManifests(['overlay'], dir);
    expect(objs.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'outer/prod-base-cfg',
      'outer/prod-extra',
    ]);
  });

  it('rejects unsupported kustomization fields, naming them', () => {
    write('k/kustomization.yaml', 'resources: []\npatches: []\nimages: []\n');
    const err = loadError(['k']);
    expect(err.message).toContain('k/kustomization.yaml');
    expect(err.message).toContain('"patches"');
    expect(err.message).toContain('"images"');
    expect(err.message).toMatch(/not supported/);
  });

  it('rejects resources escaping baseDir, remote resources and cycles', () => {
    const inner = path.join(dir, 'stack');
    write('outside.yaml', CM('o'));
    write('stack/k/kustomization.yaml', 'resources: [../../outside.yaml]\n');
    let err = loadError(['k'], inner);
    expect(err.message).toContain('k/kustomization.yaml');
    expect(err.message).toMatch(/outside/);

    write('stack/r/kustomization.yaml', 'resources: [https://github.com/x/y//base]\n');
    err = loadError(['r'], inner);
    expect(err.message).toMatch(/remote resources are not supported/);

    write('stack/a/kustomization.yaml', 'resources: [../b]\n');
    write('stack/b/kustomization.yaml', 'resources: [../a]\n');
    err = loadError(['a'], inner);
    expect(err.message).toMatch(/includes itself/);
  });

  it('reports errors in resources with the resource file name', () => {
    write('k/kustomization.yaml', 'resources: [bad.yaml]\n');
    write('k/bad.yaml', 'apiVersion: v1\nkind: ConfigMap\n');
    const err = loadError(['k']);
    expect(err.message).toContain('k/bad.yaml (document 1)');
    expect(err.message).toContain('metadata.name');
  });

  it('reports a missing resource', () => {
    write('k/kustomization.yaml', 'resources: [nope.yaml]\n');
    const err = loadError(['k']);
    expect(err.message).toContain('k/nope.yaml');
  });
});

describe('isNamespaced', () => {
  it('knows cluster-scoped kinds', () => {
    for (const k of [
      'Namespace',
      'Node',
      'PersistentVolume',
      'ClusterRole',
      'ClusterRoleBinding',
      'StorageClass',
      'CustomResourceDefinition',
      'IngressClass',
      'PriorityClass',
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
      'APIService',
    ]) {
      expect(isNamespaced(k)).toBe(false);
    }
    for (const k of ['Deployment', 'Service', 'ConfigMap', 'Role', 'PersistentVolumeClaim', 'MyCustomThing'])
      expect(isNamespaced(k)).toBe(true);
  });
});
