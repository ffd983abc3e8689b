// The kind provider end to end: the example stack (examples/kind) deployed with the real
// CLI, images built on the real Docker engine, `kind` faked on PATH (its node a real
// container that knows which images were loaded), and the cluster the Kubernetes API test
// server, reached over HTTPS through the kubeconfig as a real cluster would be.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateFileSchema } from '@pctl/core';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { repoRoot } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const CLUSTER = `pctl-e2e-${process.pid}`;
const PULL_PASSWORD = `pull-${process.pid}-s3cret`;
const STACK = 'shop';
let server: KubeApiServer;
let server2: KubeApiServer | undefined;
const stack = useStack({ example: 'kind' });
let env: Record<string, string>;
const kindLog = () => stack.path('../kind.log');
const kindCalls = (): string[][] => {
  try {
    return readFileSync(kindLog(), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};
const clearKindLog = () => writeFileSync(kindLog(), '');
const state = () => StateFileSchema.parse(JSON.parse(readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8')));
const stackFile = () => stack.path('pctl.yaml');
const edit = (from: string | RegExp, to: string) => {
  const y = readFileSync(stackFile(), 'utf8');
  const next = y.replace(from, to);
  expect(next).not.toBe(y);
  writeFileSync(stackFile(), next);
};
const results = (stdout: string) =>
  Object.fromEntries(JSON.parse(stdout).services.map((s: { key: string; result: string }) => [s.key, s.result]));
const applies = () =>
  server.requests.filter((r) => r.method === 'PATCH' && r.contentType?.includes('apply-patch')).length;

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}` });
  writeFileSync(stackFile(), readFileSync(stackFile(), 'utf8').replaceAll('cluster: pctl', `cluster: ${CLUSTER}`));
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: kindLog(),
    PCTL_FAKE_KIND_STATE: stack.path('../kind-clusters.json'),
    TOOL_PULL_PASSWORD: PULL_PASSWORD,
  };
}, 60_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`, `${CLUSTER}-b-control-plane`], { reject: false });
  await server2?.close();
  await removeStack(STACK);
  await server?.close();
});

describe('kind provider', () => {
  it('creates the cluster, loads the built image once, and applies every object', async () => {
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({
      'shop-api': 'deployed',
      'shop-web': 'deployed',
      'shop-reports': 'deployed',
      'shop-manifests': 'deployed',
    });

    const calls = kindCalls();
    expect(calls.filter((c) => c[0] === 'create')).toEqual([
      ['create', 'cluster', '--name', CLUSTER, '--wait', '120s'],
    ]);
    const apiRef = state()['shop-api']!.image!;
    expect(apiRef).toMatch(/^pctl-shop-api:[0-9a-f]{12}$/);
    // api and web run the same image: loaded into the node once.
    expect(calls.filter((c) => c[0] === 'load')).toEqual([['load', 'docker-image', '--name', CLUSTER, apiRef]]);
    expect(calls.some((c) => c[0] === 'push')).toBe(false);

    const api = server.get('Deployment', 'shop', 'shop-api') as {
      spec: { replicas: number; template: { spec: { containers: { image: string; livenessProbe?: unknown }[] } } };
      metadata: { labels: Record<string, string> };
    };
    expect(api.spec.replicas).toBe(2);
    expect(api.spec.template.spec.containers[0]!.image).toBe(apiRef);
    expect(api.spec.template.spec.containers[0]!.livenessProbe).toBeTruthy();
    expect(api.metadata.labels).toMatchObject({
      'managed-by': 'pctl',
      'pctl-stack': 'shop',
      'pctl-service': 'shop-api',
    });
    expect(server.get('Service', 'shop', 'shop-api')).toBeTruthy();
    expect(server.get('HorizontalPodAutoscaler', 'shop', 'shop-web')).toBeTruthy();
    expect(server.get('Role', 'shop', 'shop-web')).toBeTruthy();
    expect(server.get('RoleBinding', 'shop', 'shop-web')).toBeTruthy();
    expect(server.get('PersistentVolumeClaim', 'shop', 'shop-reports')).toBeTruthy();
    const cron = server.get('CronJob', 'shop', 'nightly-report') as {
      spec: { jobTemplate: { spec: { template: { spec: { containers: { image: string }[] } } } } };
      metadata: { labels: Record<string, string> };
    };
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0]!.image).toBe(apiRef);
    expect(cron.metadata.labels['pctl-service']).toBe('shop-reports');
    // Stack-level manifests: a kustomization with a ConfigMap and a Deployment that rolled out.
    const edge = server.get('Deployment', 'shop', 'edge') as {
      metadata: { labels: Record<string, string> };
      status: { availableReplicas?: number };
    };
    expect(edge.metadata.labels).toMatchObject({
      'pctl-service': 'shop-manifests',
      'app.kubernetes.io/part-of': 'shop',
    });
    expect(edge.status.availableReplicas).toBe(1);
    expect(server.get('ConfigMap', 'shop', 'shop-settings')).toBeTruthy();
    expect(state()['shop-manifests']).toMatchObject({ provider: 'kind', namespace: 'shop' });
    expect(state()['shop-manifests']!.image).toBeUndefined();
    // Pods really rolled out: 2 api, 1 web, 1 reports.
    expect(
      server
        .list('Pod', 'shop')
        .filter((p) => (p.metadata.labels as Record<string, string>)['pctl-service'] === 'shop-api'),
    ).toHaveLength(2);
    // Every write was a server-side apply by field manager pctl (the namespace a create).
    const writes = server.requests.filter((q) => ['PATCH', 'PUT', 'POST'].includes(q.method) && q.status < 300);
    expect(writes.filter((q) => q.method === 'PATCH').every((q) => q.fieldManager === 'pctl')).toBe(true);
    expect(writes.filter((q) => q.method !== 'PATCH').map((q) => q.path)).toEqual(['/api/v1/namespaces']);

    const s = state();
    expect(s['shop-web']).toMatchObject({
      provider: 'kind',
      cluster: `kind-${CLUSTER}`,
      namespace: 'shop',
      hasHpa: true,
      hasRbac: true,
      hasPvc: false,
      createdNamespace: true,
    });
    expect(s['shop-api']).toMatchObject({ createdNamespace: true, hasHpa: false });
    expect(s['shop-reports']).toMatchObject({ hasPvc: true, hasPv: false });
  }, 180_000);

  it('touches nothing on a second deploy with no change', async () => {
    clearKindLog();
    const before = applies();
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(0);
    expect(Object.values(results(r.stdout))).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(r.stderr).toContain('unchanged, skipping');
    expect(applies()).toBe(before);
    expect(kindCalls().filter((c) => c[0] === 'load' || c[0] === 'create')).toEqual([]);
  }, 120_000);

  it('shows state next to the pods really running', async () => {
    const r = await stack.pctl(['status', '--json'], { env });
    expect(r.exitCode).toBe(0);
    const rows = Object.fromEntries(
      (
        JSON.parse(r.stdout).status as {
          key: string;
          inState: string;
          live: { state: string; detail: string; resources: { name: string; state: string }[] };
        }[]
      ).map((x) => [x.key, x]),
    );
    expect(rows['shop-api']!.inState).toBe('deployed');
    expect(rows['shop-api']!.live.state).toBe('running');
    expect(rows['shop-api']!.live.detail).toBe('2/2 available in shop');
    expect(rows['shop-api']!.live.resources.map((p) => p.state)).toEqual(['Running', 'Running']);
  }, 60_000);

  it('redeploys only the service whose raw manifest changed', async () => {
    const file = stack.path('k8s/report-job.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('FORMAT: csv', 'FORMAT: json'));
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)).toEqual({
      'shop-api': 'skipped',
      'shop-web': 'skipped',
      'shop-reports': 'deployed',
      'shop-manifests': 'skipped',
    });
    expect((server.get('ConfigMap', 'shop', 'report-settings') as { data: Record<string, string> }).data.FORMAT).toBe(
      'json',
    );
  }, 120_000);

  it('loads a rebuilt image into the node and rolls the services that run it', async () => {
    clearKindLog();
    writeFileSync(stack.path('api/index.html'), '<h1>v2</h1>\n');
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(0);
    // reports' CronJob names pctl://api, so it follows the new tag too.
    expect(results(r.stdout)).toEqual({
      'shop-api': 'deployed',
      'shop-web': 'deployed',
      'shop-reports': 'deployed',
      'shop-manifests': 'skipped',
    });
    const ref = state()['shop-api']!.image!;
    expect(kindCalls().filter((c) => c[0] === 'load')).toEqual([['load', 'docker-image', '--name', CLUSTER, ref]]);
    expect(
      (
        server.get('Deployment', 'shop', 'shop-web') as {
          spec: { template: { spec: { containers: { image: string }[] } } };
        }
      ).spec.template.spec.containers[0]!.image,
    ).toBe(ref);
  }, 180_000);

  it('moves a service to another namespace: applied there, gone from the old one', async () => {
    edit(
      'options: { cluster: ' + CLUSTER + ', namespace: shop, storage',
      'options: { cluster: ' + CLUSTER + ', namespace: shop-batch, storage',
    );
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(results(r.stdout)['shop-reports']).toBe('deployed');
    expect(server.get('Deployment', 'shop-batch', 'shop-reports')).toBeTruthy();
    expect(server.get('CronJob', 'shop-batch', 'nightly-report')).toBeTruthy();
    expect(server.get('PersistentVolumeClaim', 'shop-batch', 'shop-reports')).toBeTruthy();
    for (const [kind, name] of [
      ['Deployment', 'shop-reports'],
      ['CronJob', 'nightly-report'],
      ['ConfigMap', 'report-settings'],
      ['PersistentVolumeClaim', 'shop-reports'],
      ['ServiceAccount', 'shop-reports'],
    ]) {
      expect(server.get(kind!, 'shop', name!), `${kind} ${name} left in shop`).toBeUndefined();
    }
    expect(
      server
        .list('Pod', 'shop')
        .filter((p) => (p.metadata.labels as Record<string, string>)['pctl-service'] === 'shop-reports'),
    ).toEqual([]);
    // The old namespace still holds api and web: it stays.
    expect(server.get('Namespace', undefined, 'shop')).toBeTruthy();
    expect(state()['shop-reports']).toMatchObject({ namespace: 'shop-batch', createdNamespace: true });
  }, 180_000);

  it('moves a service to another cluster: deployed there, then removed from the old one', async () => {
    server2 = await startKubeApiServer({ contextName: `kind-${CLUSTER}-b` });
    env.KUBECONFIG = `${server.kubeconfigPath}:${server2.kubeconfigPath}`;
    edit(
      `options: { cluster: ${CLUSTER}, namespace: shop-batch, storage`,
      `options: { cluster: ${CLUSTER}-b, namespace: shop-batch, storage`,
    );
    clearKindLog();
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(results(r.stdout)['shop-reports']).toBe('deployed');
    expect(kindCalls().filter((c) => c[0] === 'create')).toEqual([
      ['create', 'cluster', '--name', `${CLUSTER}-b`, '--wait', '120s'],
    ]);
    expect(server2.get('Deployment', 'shop-batch', 'shop-reports')).toBeTruthy();
    expect(server2.get('CronJob', 'shop-batch', 'nightly-report')).toBeTruthy();
    expect(server.get('Deployment', 'shop-batch', 'shop-reports')).toBeUndefined();
    expect(server.get('CronJob', 'shop-batch', 'nightly-report')).toBeUndefined();
    // The namespace pctl made for it in the old cluster held nothing else: gone too.
    expect(server.get('Namespace', undefined, 'shop-batch')).toBeUndefined();
    expect(state()['shop-reports']).toMatchObject({ cluster: `kind-${CLUSTER}-b`, namespace: 'shop-batch' });
  }, 180_000);

  it('removes an orphan: a service taken out of the file loses every object', async () => {
    const y = readFileSync(stackFile(), 'utf8');
    writeFileSync(stackFile(), y.replace(/  web:\n[\s\S]*?(?=  reports:)/, ''));
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.exitCode).toBe(0);
    expect(results(r.stdout)['shop-web']).toBe('removed');
    for (const [kind, name] of [
      ['Deployment', 'shop-web'],
      ['Service', 'shop-web'],
      ['HorizontalPodAutoscaler', 'shop-web'],
      ['Role', 'shop-web'],
      ['RoleBinding', 'shop-web'],
      ['ServiceAccount', 'shop-web'],
    ]) {
      expect(server.get(kind!, 'shop', name!), `${kind} ${name}`).toBeUndefined();
    }
    expect(state()['shop-web']).toBeUndefined();
    expect(server.get('Deployment', 'shop', 'shop-api')).toBeTruthy();
  }, 180_000);

  it('gives a prebuilt private image a pull Secret on its service account, the password never shown', async () => {
    const password = PULL_PASSWORD;
    edit(
      '  reports:\n',
      `  tool:\n    image: 127.0.0.1:5999/team/tool:1.0\n    registry: { url: "http://127.0.0.1:5999/team", username: robot, password: "\${env:TOOL_PULL_PASSWORD}" }\n    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: shop } }\n  reports:\n`,
    );
    const penv = env;
    const r = await stack.pctl(['deploy', '--json', '--verbose'], { env: penv });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(results(r.stdout)['shop-tool']).toBe('deployed');
    const secret = server.get('Secret', 'shop', 'shop-tool-regcred') as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const auths = JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString()).auths;
    expect(auths['127.0.0.1:5999']).toMatchObject({ username: 'robot', password });
    const sa = server.get('ServiceAccount', 'shop', 'shop-tool') as { imagePullSecrets: { name: string }[] };
    expect(sa.imagePullSecrets).toEqual([{ name: 'shop-tool-regcred' }]);
    expect(state()['shop-tool']).toMatchObject({ hasPullSecret: true });
    // Nowhere else: not in the state file, the output, or what render prints.
    const rendered = await stack.pctl(['render', 'tool'], { env: penv });
    expect(rendered.exitCode).toBe(0);
    const renderedSecret = JSON.parse(
      Buffer.from(/\.dockerconfigjson: (\S+)/.exec(rendered.stdout)![1]!, 'base64').toString(),
    );
    expect(renderedSecret.auths['127.0.0.1:5999'].password).toBe('<redacted>');
    for (const text of [
      readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8'),
      r.stdout,
      r.stderr,
      rendered.stdout,
      rendered.stderr,
    ]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(Buffer.from(password).toString('base64').slice(0, 12));
    }
    // A pctl-built image needs no pull Secret: api has none.
    expect(server.get('Secret', 'shop', 'shop-api-regcred')).toBeUndefined();
  }, 180_000);

  it('fails the deploy when the rollout fails, naming the pod and its reason', async () => {
    server.controls.failImage('busybox:does-not-exist', 'ImagePullBackOff');
    edit(
      '  reports:\n',
      '  broken:\n    image: busybox:does-not-exist\n    provider: { name: kind, options: { cluster: ' +
        CLUSTER +
        ', namespace: shop, rolloutTimeout: 60 } }\n  reports:\n',
    );
    const r = await stack.pctl(['deploy'], { env });
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /shop-broken: rollout of deployment shop\/shop-broken failed: pod shop-broken-[a-z0-9]+-[a-z0-9]+ (ImagePullBackOff|ErrImagePull)/,
    );
    expect(state()['shop-broken']!.pending).toBe(true);
    // Fixed: the next deploy finishes it.
    server.controls.clearImageFailures();
    const again = await stack.pctl(['deploy', '--json'], { env });
    expect(again.exitCode).toBe(0);
    expect(results(again.stdout)['shop-broken']).toBe('deployed');
  }, 180_000);

  it('destroys everything, waits until it is gone, and removes the namespaces it created', async () => {
    const r = await stack.pctl(['destroy'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    expect(server.get('Deployment', 'shop', 'edge')).toBeUndefined();
    for (const kind of [
      'Deployment',
      'Service',
      'Pod',
      'CronJob',
      'ConfigMap',
      'PersistentVolumeClaim',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'HorizontalPodAutoscaler',
    ]) {
      const left = server
        .list(kind)
        .filter((o) => (o.metadata.labels as Record<string, string> | undefined)?.['pctl-stack'] === STACK);
      expect(left, kind).toEqual([]);
    }
    expect(server.get('Namespace', undefined, 'shop')).toBeUndefined();
    expect(server.get('Namespace', undefined, 'shop-batch')).toBeUndefined();
    expect(server2!.get('Deployment', 'shop-batch', 'shop-reports')).toBeUndefined();
    expect(server2!.get('Namespace', undefined, 'shop-batch')).toBeUndefined();
    expect(Object.values(state()).every((e) => e.destroyed)).toBe(true);
    // The images pctl built for the stack are gone from the local engine too.
    expect(
      (
        await execa('docker', ['images', '--filter', 'reference=pctl-shop-*', '--format', '{{.Repository}}:{{.Tag}}'])
      ).stdout.trim(),
    ).toBe('');
  }, 180_000);
});

describe('kind provider, bad environment', () => {
  it('names the missing kind binary and how to install it', async () => {
    const r = await stack.pctl(['deploy'], {
      env: { ...env, PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the kind command is not installed.*kind\.sigs\.k8s\.io/);
  }, 60_000);

  it('names the kubeconfig and the missing context', async () => {
    const missing = stack.path('../nothing.yaml');
    const r = await stack.pctl(['deploy'], { env: { ...env, KUBECONFIG: missing } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`cannot read the kubeconfig ${missing}`);
    const other = stack.path('../other.yaml');
    writeFileSync(
      other,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: other, context: {cluster: c, user: u}}]\ncurrent-context: other\n',
    );
    const r2 = await stack.pctl(['deploy'], { env: { ...env, KUBECONFIG: other } });
    expect(r2.exitCode).not.toBe(0);
    // Services on both clusters fail at once; whichever fails first names its own context.
    expect(r2.stderr).toMatch(
      new RegExp(`error: .*no context "kind-${CLUSTER}(-b)?" in the kubeconfig ${other} \\(it has: other\\)`),
    );
  }, 60_000);
});
