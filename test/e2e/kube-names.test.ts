// Kubernetes object names and secret env end to end: the real CLI, `kind` faked on PATH
// (its node a real container), the cluster the Kubernetes API test server over HTTPS.
// `pctl deploy --name store` and `--name store-staging` share a namespace without touching
// each other's objects; env values from ${env:…} live only in a Secret; and a stack whose
// state and objects an earlier pctl wrote (objects named `<service>`) moves to the new
// names on the next deploy, the old objects removed after the new ones rolled out.
import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type KubeObject } from '@pctl/kube';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { pctl, repoRoot } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const CLUSTER = `pctl-names-${process.pid}`;
const CANARY = `canary-${process.pid}-Zq8`;
const CANARY2 = `canary2-${process.pid}-Wk3`;
let server: KubeApiServer;
let env: Record<string, string>;
const folder = useStack({ files: () => ({ 'pctl.yaml': stackYaml('together') }) });
const dir = () => folder.dir;

const stackYaml = (namespace: string) => `name: store
services:
  web:
    image: busybox:latest
    command: sleep 86400
    ports: [8080]
    env: { DB_PASSWORD: "\${env:E2E_DB_PW}", MODE: prod }
    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: ${namespace} } }
`;
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));
const stateText = (stack: string) => readFileSync(path.join(dir(), `pctl.${stack}.json`), 'utf8');
type Dep = {
  metadata: { labels: Record<string, string> };
  spec: {
    template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { env: unknown[] }[] } };
  };
};
const deployment = (ns: string, name: string) => server.get('Deployment', ns, name) as unknown as Dep | undefined;
const runningPods = (ns: string, key: string) =>
  server
    .list('Pod', ns)
    .filter(
      (p) =>
        (p.metadata.labels as Record<string, string>)['pctl-service'] === key &&
        !p.metadata.deletionTimestamp &&
        p.status?.phase === 'Running',
    );

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}` });
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: path.join(dir(), 'kind.log'),
    PCTL_FAKE_KIND_STATE: path.join(dir(), 'kind-clusters.json'),
    E2E_DB_PW: CANARY,
  };
}, 60_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await server?.close();
});

describe('object names', () => {
  it('deploys --name store and --name store-staging into one namespace, each with its own objects', async () => {
    for (const name of ['store', 'store-staging']) {
      const r = await folder.pctl(['deploy', '--json', '--name', name], { env });
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.exitCode).toBe(0);
      expect(results(r.stdout)).toEqual({ [`${name}-web`]: 'deployed' });
    }
    for (const key of ['store-web', 'store-staging-web']) {
      expect(deployment('together', key)!.metadata.labels['pctl-service']).toBe(key);
      expect(
        (server.get('Service', 'together', key)!.spec as { selector: Record<string, string> }).selector['pctl-service'],
      ).toBe(key);
      expect(server.get('ServiceAccount', 'together', key)).toBeTruthy();
      expect(server.get('Secret', 'together', `${key}-env`)).toBeTruthy();
      expect(runningPods('together', key)).toHaveLength(1);
    }
    // Destroying one leaves the other running.
    const d = await folder.pctl(['destroy', '--name', 'store-staging'], { env });
    expect(d.exitCode).toBe(0);
    expect(deployment('together', 'store-staging-web')).toBeUndefined();
    expect(deployment('together', 'store-web')).toBeTruthy();
    expect(runningPods('together', 'store-web')).toHaveLength(1);
  }, 180_000);

  it('keeps the secret env value out of the Deployment, the state, the output and render', async () => {
    const dep = deployment('together', 'store-web')!;
    expect(JSON.stringify(dep)).not.toContain(CANARY);
    expect(dep.spec.template.spec.containers[0]!.env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'store-web-env', key: 'DB_PASSWORD' } } },
      { name: 'MODE', value: 'prod' },
    ]);
    const secret = server.get('Secret', 'together', 'store-web-env') as unknown as {
      data: Record<string, string>;
      metadata: { labels: Record<string, string> };
    };
    expect(Buffer.from(secret.data.DB_PASSWORD!, 'base64').toString()).toBe(CANARY);
    expect(secret.metadata.labels).toMatchObject({
      'managed-by': 'pctl',
      'pctl-stack': 'store',
      'pctl-service': 'store-web',
    });
    expect(stateText('store')).not.toContain(CANARY);
    const rendered = await folder.pctl(['render', '--json'], { env });
    expect(rendered.exitCode).toBe(0);
    expect(rendered.stdout + rendered.stderr).not.toContain(CANARY);
    expect(rendered.stdout).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 12));
    const objs = (JSON.parse(rendered.stdout).rendered as { objects: KubeObject[] }[])[0]!.objects;
    const shown = objs.find((o) => o.kind === 'Secret' && o.metadata.name === 'store-web-env')!;
    expect(shown.data).toBeUndefined();
    expect(shown.metadata.annotations!['pctl/redacted']).toContain('DB_PASSWORD');
  }, 120_000);

  it('rolls the pods when the secret changes, and prunes the Secret when no value is secret any more', async () => {
    const before = deployment('together', 'store-web')!.spec.template.metadata.annotations!['pctl/env-secret-hash'];
    const oldPod = runningPods('together', 'store-web')[0]!.metadata.name;
    const r = await folder.pctl(['deploy', '--json'], { env: { ...env, E2E_DB_PW: CANARY2 } });
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({ 'store-web': 'deployed' });
    const after = deployment('together', 'store-web')!.spec.template.metadata.annotations!['pctl/env-secret-hash'];
    expect(after).toMatch(/^[0-9a-f]{32}$/);
    expect(after).not.toBe(before);
    expect(runningPods('together', 'store-web').map((p) => p.metadata.name)).not.toContain(oldPod);
    expect(
      Buffer.from(
        (server.get('Secret', 'together', 'store-web-env') as unknown as { data: Record<string, string> }).data
          .DB_PASSWORD!,
        'base64',
      ).toString(),
    ).toBe(CANARY2);

    writeFileSync(
      path.join(dir(), 'pctl.yaml'),
      stackYaml('together').replace('DB_PASSWORD: "${env:E2E_DB_PW}", ', ''),
    );
    const r2 = await folder.pctl(['deploy', '--json'], { env });
    expect(r2.exitCode).toBe(0);
    expect(server.get('Secret', 'together', 'store-web-env')).toBeUndefined();
  }, 180_000);
});

describe("another stack's objects", () => {
  it('refuses, with one error line naming both stacks, a deploy whose object another stack owns', async () => {
    const file = (service: string) =>
      `services:\n  ${service}:\n    image: busybox:latest\n    command: sleep 86400\n    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: together } }\n`;
    writeFileSync(path.join(dir(), 'a.yaml'), `name: a\n${file('b-c')}`);
    // In another folder: in the same one, the state files' shared key is refused before any cluster is asked.
    mkdirSync(path.join(dir(), 'other'), { recursive: true });
    writeFileSync(path.join(dir(), 'other', 'ab.yaml'), `name: a-b\n${file('c')}`);
    const first = await folder.pctl(['deploy', '-c', 'a.yaml'], { env });
    expect(first.exitCode).toBe(0);
    const before = JSON.stringify(deployment('together', 'a-b-c'));
    const r = await pctl(['deploy', '-c', 'ab.yaml'], { cwd: path.join(dir(), 'other'), env });
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /a-b-c: ServiceAccount together\/a-b-c belongs to stack "a" \(label pctl-stack\), not to stack "a-b"/,
    );
    expect(JSON.stringify(deployment('together', 'a-b-c'))).toBe(before);
    expect(deployment('together', 'a-b-c')!.metadata.labels['pctl-stack']).toBe('a');
  }, 120_000);
});

// Strips what the server adds, so the object can be written again under another name.
function asApplied(o: KubeObject, name: string): KubeObject {
  const { uid, resourceVersion, managedFields, creationTimestamp, generation, ...metadata } = o.metadata as Record<
    string,
    unknown
  >;
  void uid, void resourceVersion, void managedFields, void creationTimestamp, void generation;
  const { status, ...rest } = o as KubeObject & { status?: unknown };
  void status;
  return { ...rest, metadata: { ...(metadata as KubeObject['metadata']), name } };
}

describe('objects and state from an earlier pctl', () => {
  it('moves Deployment and Service named <service> to <stack>-<service> on the next deploy, then removes the old ones', async () => {
    writeFileSync(path.join(dir(), 'pctl.yaml'), stackYaml('legacy'));
    const first = await folder.pctl(['deploy', '--json'], { env });
    expect(first.exitCode).toBe(0);
    // Turn the world into what pctl 0.x left: Deployment and Service `web`, no objectNames in state.
    const client = await connect({ kubeconfig: server.kubeconfigPath, context: `kind-${CLUSTER}` });
    for (const kind of ['Deployment', 'Service']) {
      const live = server.get(kind, 'legacy', 'store-web') as unknown as KubeObject;
      await client.apply(asApplied(live, 'web'));
    }
    await server.waitFor(() => runningPods('legacy', 'store-web').length === 2);
    for (const kind of ['Deployment', 'Service'])
      await client.delete({
        apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1',
        kind,
        metadata: { name: 'store-web', namespace: 'legacy' },
      });
    await server.waitFor(
      () => !server.get('Deployment', 'legacy', 'store-web') && runningPods('legacy', 'store-web').length === 1,
    );
    const oldPod = runningPods('legacy', 'store-web')[0]!.metadata.name;
    const file = path.join(dir(), 'pctl.store.json');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    const entries = state.entries ?? state;
    const entry = entries['store-web'];
    delete entry.objectNames;
    entry.objects = (entry.objects as string[]).map((r) =>
      r
        .replace('apps/v1/Deployment/legacy/store-web', 'apps/v1/Deployment/legacy/web')
        .replace('v1/Service/legacy/store-web', 'v1/Service/legacy/web'),
    );
    writeFileSync(file, JSON.stringify(state, null, 2));

    // The fingerprint is unchanged, the names are not: plan says why, deploy moves them.
    const plan = await folder.pctl(['plan'], { env });
    expect(plan.stdout + plan.stderr).toContain('objects named by an earlier pctl version');
    const r = await folder.pctl(['deploy', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(results(r.stdout)).toEqual({ 'store-web': 'deployed' });
    expect(r.stderr).toContain('deleting Deployment legacy/web (no longer part of the service)');
    expect(server.get('Deployment', 'legacy', 'web')).toBeUndefined();
    expect(server.get('Service', 'legacy', 'web')).toBeUndefined();
    expect(deployment('legacy', 'store-web')).toBeTruthy();
    expect(server.get('Service', 'legacy', 'store-web')).toBeTruthy();
    const pods = runningPods('legacy', 'store-web');
    expect(pods).toHaveLength(1);
    expect(pods[0]!.metadata.name).not.toBe(oldPod);
    const now = JSON.parse(readFileSync(file, 'utf8'));
    expect((now.entries ?? now)['store-web']).toMatchObject({ objectNames: 2 });
    // And the one after is a no-op again.
    const again = await folder.pctl(['deploy', '--json'], { env });
    expect(results(again.stdout)).toEqual({ 'store-web': 'skipped' });
  }, 240_000);
});
