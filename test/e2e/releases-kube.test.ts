// Rollback on Kubernetes through pctl's own record, not `kubectl rollout undo`: the release's
// settings are rendered and applied again, so the Service, HPA and env Secret the later
// release dropped come back with the Deployment's image. kind faked on PATH (its node a real
// container), images built on the real engine, the cluster the Kubernetes API test server.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { repoRoot } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const CLUSTER = `rl-kube-${process.pid}`;
const STACK = 'rl-kube';
const NS = 'rl-kube';
const TOKEN = 'rl-kube-T0ken-8812';
let server: KubeApiServer;
let env: Record<string, string>;
const stack = useStack({ prefix: 'rl-' });
const stackFile = (version: 'one' | 'two') => `name: ${STACK}
services:
  api:
    image: ./api
    command: httpd -f -p 8080 -h /site
    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: ${NS} } }
${
  version === 'one'
    ? `    ports: ["8080"]
    scale: { replica: [1, 3] }
    env: { TOKEN: "\${env:RL_KUBE_TOKEN}", MODE: one }`
    : '    env: { MODE: two, OTHER: "${env:RL_KUBE_TOKEN}" }'
}
`;
const image = () =>
  (
    server.get('Deployment', NS, `${STACK}-api`) as
      | { spec: { template: { spec: { containers: { image: string }[] } } } }
      | undefined
  )?.spec.template.spec.containers[0]!.image;
const secrets = () => server.list('Secret', NS).filter((s) => s.metadata.labels?.['pctl-stack'] === STACK);

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}` });
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: stack.path('../kind.log'),
    PCTL_FAKE_KIND_STATE: stack.path('../kind-clusters.json'),
    RL_KUBE_TOKEN: TOKEN,
  };
  stack.write({
    'pctl.yaml': stackFile('one'),
    'api/Dockerfile': 'FROM busybox:latest\nCOPY site /site/index.html\n',
    'api/site': 'one\n',
  });
}, 60_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await removeStack(STACK);
  await server?.close();
});

describe('rollback on Kubernetes (kind, API test server)', () => {
  it("brings back the release's Deployment image, Service, HPA and Secret, and records the objects without secret data", async () => {
    const a = await stack.pctl(['deploy'], { env });
    expect(a.exitCode, a.stderr).toBe(0);
    const v1 = image()!;
    expect(server.get('Service', NS, `${STACK}-api`)).toBeTruthy();
    expect(server.get('HorizontalPodAutoscaler', NS, `${STACK}-api`)).toBeTruthy();
    expect(secrets()).toHaveLength(1);

    stack.write({ 'pctl.yaml': stackFile('two'), 'api/site': 'two\n' });
    const b = await stack.pctl(['deploy'], { env });
    expect(b.exitCode, b.stderr).toBe(0);
    const v2 = image()!;
    expect(v2).not.toBe(v1);
    expect(server.get('Service', NS, `${STACK}-api`)).toBeUndefined();
    expect(server.get('HorizontalPodAutoscaler', NS, `${STACK}-api`)).toBeUndefined();
    // The Secret now holds OTHER only (a secret must still resolve from the stack file to be restored).
    expect(Object.keys(secrets()[0]!.data as Record<string, string>)).toEqual(['OTHER']);

    const r = await stack.pctl(['rollback', 'api', '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(image()).toBe(v1);
    expect(server.get('Service', NS, `${STACK}-api`)).toBeTruthy();
    expect(server.get('HorizontalPodAutoscaler', NS, `${STACK}-api`)).toBeTruthy();
    const [secret] = secrets();
    expect(Object.keys(secret!.data as Record<string, string>)).toEqual(['TOKEN']);
    // The secret resolved again from the stack file at rollback.
    expect(Buffer.from(String((secret!.data as Record<string, string>).TOKEN), 'base64').toString()).toBe(TOKEN);

    const text = readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(Buffer.from(TOKEN).toString('base64'));
    const entry = JSON.parse(text)[`${STACK}-api`];
    expect(entry.applied).toBeUndefined();
    const releases = entry.releases as {
      number: number;
      image: string;
      rollbackOf?: number;
      restore?: { applied?: { kind: string; data?: unknown; dataKeys?: string[] }[] };
    }[];
    expect(releases.map((x) => [x.number, x.image, x.rollbackOf])).toEqual([
      [1, v1, undefined],
      [2, v2, undefined],
      [3, v1, 1],
    ]);
    const kinds = releases[2]!.restore!.applied!.map((o) => o.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'HorizontalPodAutoscaler', 'Secret', 'Service']));
    const recordedSecret = releases[2]!.restore!.applied!.find((o) => o.kind === 'Secret')!;
    expect(recordedSecret.data).toBeUndefined();
    expect(recordedSecret.dataKeys).toEqual(['TOKEN']);
  }, 300_000);
});
