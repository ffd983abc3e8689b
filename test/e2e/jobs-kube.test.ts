// Jobs on Kubernetes (kind faked on PATH, the cluster the Kubernetes API test server): a
// `kind: job` service is a batch/v1 Job that must complete before the services that depend
// on it; an unchanged job is not run again; a failed one keeps its dependents' old
// Deployment; one past its timeout fails at activeDeadlineSeconds, named.
import { execa } from 'execa';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { repoRoot } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';

const CLUSTER = `jobs-kube-${process.pid}`;
const STACK = 'jobs-kube';
const NS = 'jobs-kube';
let server: KubeApiServer;
let env: Record<string, string>;
const stack = useStack({ prefix: 'jobs-kube-' });
const stackFile = (o: { image?: string; timeout?: string; version?: string } = {}) => `name: ${STACK}
services:
  migrate:
    kind: job
    image: ${o.image ?? 'busybox:latest'}
    command: echo migrated
${o.timeout ? `    timeout: ${o.timeout}\n` : ''}    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: ${NS} } }
  api:
    image: busybox:latest
    command: sleep 3600
    env: { VERSION: "${o.version ?? '1'}" }
    dependsOn: [{ service: migrate, condition: completed }]
    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: ${NS} } }
`;
type Obj = {
  metadata: { uid?: string; creationTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: { completionTime?: string; conditions?: { type: string; status: string }[] };
};
const job = () => server.get('Job', NS, `${STACK}-migrate`) as Obj | undefined;
const apiEnv = () =>
  (
    server.get('Deployment', NS, `${STACK}-api`) as
      | { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }
      | undefined
  )?.spec.template.spec.containers[0]!.env;

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}` });
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: stack.path('../kind.log'),
    PCTL_FAKE_KIND_STATE: stack.path('../kind-clusters.json'),
  };
  stack.write({ 'pctl.yaml': stackFile() });
}, 60_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await server?.close();
});

describe('jobs on Kubernetes (kind, API test server)', () => {
  it('runs the Job to completion, then deploys the service that depends on it', async () => {
    const r = await stack.pctl(['deploy'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const j = job()!;
    expect(j.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 600 });
    expect(j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
    const d = server.get('Deployment', NS, `${STACK}-api`) as Obj;
    expect(Date.parse(d.metadata.creationTimestamp!)).toBeGreaterThanOrEqual(
      Math.floor(Date.parse(j.status!.completionTime!) / 1000) * 1000,
    );
  });

  it('does not run an unchanged Job again', async () => {
    const uid = job()!.metadata.uid;
    const r = await stack.pctl(['deploy', '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { services: { service: string; result: string }[] };
    expect(doc.services.find((s) => s.service === 'migrate')?.result).toBe('skipped');
    expect(job()!.metadata.uid).toBe(uid);
  });

  it('a failed Job keeps its dependent from being deployed: exit 1, the old Deployment stays', async () => {
    server.controls.failImage('jobs-kube-bad', 'CrashLoopBackOff');
    stack.write({ 'pctl.yaml': stackFile({ image: 'registry.invalid/jobs-kube-bad:1', version: '2' }) });
    const r = await stack.pctl(['deploy'], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${STACK}-migrate: job exited with code 1`);
    expect(apiEnv()).toEqual([{ name: 'VERSION', value: '1' }]);
  });

  it('fails a Job past its timeout (activeDeadlineSeconds), naming it', async () => {
    server.controls.setTiming({ jobRunMs: 600_000 });
    try {
      stack.write({ 'pctl.yaml': stackFile({ timeout: '1s', version: '2' }) });
      const r = await stack.pctl(['deploy'], { env });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`${STACK}-migrate: job did not finish within its timeout (1s): stopped`);
      expect(apiEnv()).toEqual([{ name: 'VERSION', value: '1' }]);
    } finally {
      server.controls.setTiming({ jobRunMs: 200 });
    }
  });

  it('runs it again once fixed; destroy removes the Job', async () => {
    stack.write({ 'pctl.yaml': stackFile({ version: '2' }) });
    const r = await stack.pctl(['deploy'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(apiEnv()).toEqual([{ name: 'VERSION', value: '2' }]);
    const d = await stack.pctl(['destroy'], { env });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(job()).toBeUndefined();
  });
  it("leaves alone a same-named Job pctl did not make: exit 1 naming it, the user's Job untouched", async () => {
    // destroy removed the namespace pctl made: the user's comes back with their Job.
    if (!server.get('Namespace', undefined, NS))
      server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    server.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `${STACK}-migrate`, namespace: NS },
      spec: {
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'mine', image: 'busybox:latest' }] } },
      },
    });
    const uid = job()!.metadata.uid;
    const r = await stack.pctl(['deploy'], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error: .*Job jobs-kube\/\S+-migrate exists and is not this service's/m);
    expect(job()?.metadata.uid).toBe(uid);
  });
});
