// `pctl run` on Kubernetes, end to end: the real CLI, the kind provider (`kind` faked on
// PATH) and the Kubernetes API test server with its Docker-backed kubelet, so the one-off
// pod really runs and pods/attach reaches its process. aws and gcp stand on the same
// skeleton code (packages/kube/src/provider/inner/run.ts). One server and one deploy for
// the file; `keeper` keeps the namespace when `web` is destroyed.
import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { pctlBin, repoRoot, writeTree } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { useStack } from '../helpers/stack.js';
import { until } from '../helpers/until.js';

const CLUSTER = `kuberun-${process.pid}`;
const STACK = 'kuberun';
const NS = `kuberun-${process.pid}`;
const TOKEN = `kr-token-${randomBytes(6).toString('hex')}`;
let server: KubeApiServer;
let env: Record<string, string>;
const stack = useStack({ prefix: 'kuberun-' });

function writeStack(webImage = 'busybox:latest'): void {
  const options = `{ cluster: ${CLUSTER}, namespace: ${NS}, rolloutTimeout: 60 }`;
  writeTree(stack.dir, {
    'pctl.yaml': `name: ${STACK}
services:
  web:
    image: ${webImage}
    command: sleep 3600
    env: { TOKEN: "\${env:KR_TOKEN}", MARK: "plain" }
    provider: { name: kind, options: ${options} }
  keeper:
    image: busybox:latest
    command: sleep 3600
    provider: { name: kind, options: ${options} }
`,
  });
}

const pctl = (args: string[], o: { input?: string } = {}) =>
  execa(process.execPath, [pctlBin, ...args], {
    cwd: stack.dir,
    reject: false,
    env: { ...env, NO_COLOR: '1' },
    stripFinalNewline: false,
    ...(o.input !== undefined ? { input: o.input } : {}),
  });

// A pctl run that keeps running: stdin stays open until the test ends it.
const start = (args: string[]) =>
  execa(process.execPath, [pctlBin, ...args], {
    cwd: stack.dir,
    reject: false,
    env: { ...env, NO_COLOR: '1' },
    stripFinalNewline: false,
  });

type PodObj = {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: {
    restartPolicy?: string;
    serviceAccountName?: string;
    containers: { command?: string[]; env?: { name: string; value?: string; valueFrom?: unknown }[] }[];
  };
  status?: { containerStatuses?: { state?: { running?: unknown } }[] };
};
const runPods = () =>
  (server.list('Pod', NS) as unknown as PodObj[]).filter((p) => /^kuberun-web-run-/.test(p.metadata.name));
const runningPod = () =>
  runPods().find((p) => !p.metadata.deletionTimestamp && p.status?.containerStatuses?.[0]?.state?.running);

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}`, runtime: 'docker', dockerNamePrefix: 'kuberun' });
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: stack.path('kind.log'),
    PCTL_FAKE_KIND_STATE: stack.path('kind-clusters.json'),
    KR_TOKEN: TOKEN,
  };
  writeStack();
  const r = await pctl(['deploy']);
  expect(r.exitCode, r.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await server?.close();
});

describe('pctl run on Kubernetes (kind, the Docker-backed kubelet)', () => {
  it('runs the command after -- in a one-off pod: stdin in, stdout and stderr byte for byte, the exit code out, the pod gone after', async () => {
    const child = start([
      'run',
      '-i',
      'web',
      '--',
      'sh',
      '-c',
      'read l; printf "got:%s\\ta\\r\\nno newline é" "$l"; printf "to stderr\\n" >&2; printf "%s" "$TOKEN" | md5sum >&2; printf "mark=%s" "$MARK" >&2; exit 7',
    ]);
    // The pod as the API server keeps it, while it runs (it waits for its stdin).
    const pod = await until('the one-off pod runs', runningPod);
    const deployment = server.get('Deployment', NS, `${STACK}-web`) as unknown as { spec: { template: PodObj } };
    expect(pod.metadata.name).toMatch(/^kuberun-web-run-[0-9a-f]{6}$/);
    expect(pod.metadata.labels).toEqual({
      'managed-by': 'pctl',
      'pctl-stack': STACK,
      'pctl-run': `${STACK}-web`,
    });
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.serviceAccountName).toBe(deployment.spec.template.spec.serviceAccountName);
    expect(pod.spec.containers[0]!.command).toEqual(['sh', '-c', expect.stringContaining('read l')]);
    // The secret env is the Deployment's secretKeyRef, its value nowhere in the Pod.
    expect(pod.spec.containers[0]!.env).toEqual(deployment.spec.template.spec.containers[0]!.env);
    expect(pod.spec.containers[0]!.env?.find((e) => e.name === 'TOKEN')?.valueFrom).toMatchObject({
      secretKeyRef: { name: `${STACK}-web-env`, key: 'TOKEN' },
    });
    expect(JSON.stringify(server.get('Pod', NS, pod.metadata.name))).not.toContain(TOKEN);
    child.stdin!.end('hello\n');
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(7);
    expect(r.stdout).toBe('got:hello\ta\r\nno newline é');
    // The secret's value reached the process (its digest: the value itself would be masked).
    const md5 = createHash('md5').update(TOKEN).digest('hex');
    expect(r.stderr).toContain(`to stderr\n${md5}  -\nmark=plain`);
    expect(runPods()).toEqual([]);
  });

  it("with no -i the command's stdin is empty (cat ends at once); exit 0", async () => {
    const r = await pctl(['run', 'web', '--', 'sh', '-c', 'cat; echo "done $MARK"'], { input: 'never read\n' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('done plain\n');
    expect(runPods()).toEqual([]);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`removes the pod when pctl is stopped (${signal})`, async () => {
      const child = start(['run', 'web', '--', 'sleep', '3600']);
      await until('the one-off pod runs', runningPod);
      child.kill(signal);
      const r = await child;
      expect(r.stderr).toContain(`${signal}: finishing running steps`);
      expect(r.exitCode).not.toBe(0);
      await until('the one-off pod is gone', () => runPods().length === 0);
    });
  }

  it('a pod that cannot start (its image is missing): one error line, exit 1, the pod removed', async () => {
    writeStack('registry.invalid/kuberun-missing:1');
    try {
      const r = await pctl(['run', 'web', '--', 'true']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        /^error: the one-off pod \S+\/kuberun-web-run-[0-9a-f]{6} of service web cannot start: ErrImagePull/m,
      );
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
      expect(runPods()).toEqual([]);
    } finally {
      writeStack();
    }
  });

  it("destroy removes a one-off a kill -9'd pctl left, and leaves a same-named pod pctl did not make", async () => {
    const foreign = `${STACK}-web-run-f0f0f0`;
    server.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: foreign, namespace: NS, labels: { 'pctl-stack': STACK } },
      spec: { containers: [{ name: 'mine', image: 'busybox:latest', command: ['sleep', '3600'] }] },
    });
    const child = start(['run', 'web', '--', 'sleep', '3600']);
    const left = await until(
      'the one-off pod runs',
      () => runningPod() && runPods().find((p) => p.metadata.name !== foreign),
    );
    child.kill('SIGKILL');
    await child;
    expect(runPods().map((p) => p.metadata.name)).toContain(left.metadata.name);
    const r = await pctl(['destroy', 'web']);
    expect(r.exitCode, r.stderr).toBe(0);
    await until('the left one-off is gone', () => !runPods().some((p) => p.metadata.name === left.metadata.name));
    expect(runPods().map((p) => p.metadata.name)).toEqual([foreign]);
  });
});
