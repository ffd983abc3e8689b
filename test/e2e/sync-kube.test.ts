// `pctl sync` into Kubernetes pods (kind through the kube skeleton), end to end: the built
// CLI, the image built on the real engine, `kind` faked on PATH, the cluster the Kubernetes
// API test server with the Docker-backed kubelet, so every pod is a real container that
// unpacks the tar stream pods/exec hands it. Observed in the containers themselves.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { startAwsWorld, type AwsWorld } from '../helpers/awsWorld.js';
import { pctl, pctlBin, repoRoot, writeTree } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/until.js';
import { useStack } from '../helpers/stack.js';

const CLUSTER = `podsync-${process.pid}`;
const STACK = `podsync${process.pid}`;
const NS = `podsync-${process.pid}`;
const MANY = 1000;
let server: KubeApiServer;
let env: Record<string, string>;
const stack = useStack({
  prefix: 'podsync-',
  files: {
    'pctl.yaml': `name: ${STACK}
services:
  web:
    image: ./app
    command: sleep 3600
    scale: { replica: 2 }
    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: ${NS} } }
`,
    'app/Dockerfile': 'FROM busybox:latest\nCOPY site/ /site/\n',
    'app/.dockerignore': 'site/secret.txt\n',
    'app/site/index.html': 'v1\n',
    'app/site/old.txt': 'old\n',
    'app/site/sub/deep.txt': 'deep\n',
    'outside.txt': 'outside the build context\n',
  },
});

// The pods of the service that run now, by name.
const pods = (on = server) =>
  on
    .list('Pod', NS)
    .filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)
    .map((p) => p.metadata!.name as string)
    .sort();
// The engine container running the pod's `web` container now.
const containerOf = async (pod: string) => {
  const r = await execa('docker', [
    'ps',
    '-q',
    '--filter',
    `label=io.kubernetes.pod.name=${pod}`,
    '--filter',
    'label=io.kubernetes.container.name=web',
  ]);
  const ids = r.stdout.split('\n').filter(Boolean);
  if (ids.length !== 1) throw new Error(`pod ${pod} has ${ids.length} running web containers`);
  return ids[0]!;
};
const inPod = async (pod: string, args: string[]) =>
  execa('docker', ['exec', await containerOf(pod), ...args], { reject: false });
const cat = async (pod: string, file: string) => {
  const r = await inPod(pod, ['cat', file]);
  return r.exitCode === 0 ? r.stdout : undefined;
};
const execRequests = () => server.requests.filter((r) => r.path.endsWith('/exec')).length;

beforeAll(async () => {
  await requireDocker();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}`, runtime: 'docker', dockerNamePrefix: 'podsync' });
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: stack.path('kind.log'),
    PCTL_FAKE_KIND_STATE: stack.path('kind-clusters.json'),
  };
  // In the context, under the COPY, but excluded: neither the build nor sync takes it.
  writeFileSync(stack.path('app/site/secret.txt'), 'ignored\n');
  const r = await stack.pctl(['deploy'], { env });
  expect(r.stderr).not.toMatch(/^error/m);
  expect(r.exitCode).toBe(0);
  await until('both pods running', () => pods().length === 2 || undefined, { timeoutMs: 60_000 });
}, 180_000);
afterAll(async () => {
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await server?.close();
  await removeStack(STACK);
});

describe('pctl sync into pods (kind)', () => {
  it('syncs once into every replica: 1,000 new files as one archive per pod, never an ignored file or a link', async () => {
    writeFileSync(stack.path('app/site/index.html'), 'v2\n');
    // A link to a file outside the build context: neither it nor what it points at is sent.
    symlinkSync(stack.path('outside.txt'), stack.path('app/site/escape.txt'));
    mkdirSync(stack.path('app/site/many'));
    for (let i = 0; i < MANY; i++) writeFileSync(stack.path(`app/site/many/f${i}.txt`), `file ${i}\n`);
    const before = execRequests();
    const r = await stack.pctl(['sync', '--once', '--json'], { env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const running = pods();
    const rounds = JSON.parse(r.stdout).rounds as { key: string; files: number; containers: string[] }[];
    expect(rounds).toEqual([{ key: `${STACK}-web`, files: MANY + 3, deleted: 0, containers: running }]);
    // One pods/exec (tar -x) per pod for the whole folder, not one per file.
    expect(execRequests() - before).toBe(running.length);
    for (const pod of running) {
      expect(await cat(pod, '/site/index.html')).toBe('v2');
      expect(await cat(pod, '/site/sub/deep.txt')).toBe('deep');
      expect((await inPod(pod, ['ls', '/site/many'])).stdout.split('\n').length).toBe(MANY);
      expect(await cat(pod, '/site/secret.txt')).toBeUndefined();
      expect((await inPod(pod, ['ls', '/site'])).stdout.split('\n').sort()).toEqual([
        'index.html',
        'many',
        'old.txt',
        'sub',
      ]);
    }
  }, 120_000);

  let child: ResultPromise | undefined;
  let err = '';
  it('watches: a change reaches every replica, a removal is removed', async () => {
    rmSync(stack.path('app/site/many'), { recursive: true });
    child = execa(process.execPath, [pctlBin, 'sync', 'web'], {
      cwd: stack.dir,
      reject: false,
      env: { ...env, NO_COLOR: '1' },
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const alive = () => (child!.exitCode !== null ? `pctl sync exited: ${err}` : undefined);
    await until('the watcher', () => err.includes('watching site -> /site/'), { giveUpIf: alive });
    writeFileSync(stack.path('app/site/index.html'), 'v3\n');
    rmSync(stack.path('app/site/old.txt'));
    for (const pod of pods()) {
      await until(`v3 in ${pod}`, async () => (await cat(pod, '/site/index.html')) === 'v3', { giveUpIf: alive });
      await until(`old.txt removed in ${pod}`, async () => (await cat(pod, '/site/old.txt')) === undefined, {
        giveUpIf: alive,
      });
    }
  }, 90_000);

  it('gives a pod that starts later, and a restarted container, every file first', async () => {
    const alive = () => (child!.exitCode !== null ? `pctl sync exited: ${err}` : undefined);
    const [first, second] = pods();
    // A container that restarts comes back from the image: v1, old.txt there, until sync catches up.
    const before = await containerOf(first!);
    await execa('docker', ['kill', before]);
    await until(
      `${first} restarted and caught up`,
      async () => {
        const now = await containerOf(first!).catch(() => before);
        return now !== before && (await cat(first!, '/site/index.html')) === 'v3';
      },
      { timeoutMs: 60_000, giveUpIf: alive },
    );
    expect(await cat(first!, '/site/old.txt')).toBeUndefined();
    // A pod deleted is replaced by a new one, which gets the full sync.
    await server.kubeConfig
      .makeApiClient((await import('@kubernetes/client-node')).CoreV1Api)
      .deleteNamespacedPod({ name: second!, namespace: NS });
    const fresh = await until('a new pod', () => pods().find((p) => p !== first && p !== second), {
      timeoutMs: 60_000,
      giveUpIf: alive,
    });
    await until(`${fresh} caught up`, async () => (await cat(fresh, '/site/index.html')) === 'v3', {
      timeoutMs: 60_000,
      giveUpIf: alive,
    });
    expect(await cat(fresh, '/site/old.txt')).toBeUndefined();
    expect(await cat(fresh, '/site/secret.txt')).toBeUndefined();
    // The line follows the copy: wait for it rather than reading stderr the moment the files are there.
    const said = new RegExp(`synced \\d+ files and 1 removal to ${fresh}`);
    await until(`the catch-up line for ${fresh}`, () => said.test(err) || undefined, {
      giveUpIf: alive,
      detail: () => err,
    });
    child!.kill('SIGINT');
    const r = await child!;
    expect(r.exitCode).toBe(0);
    expect(err).toContain('sync stopped');
  }, 150_000);
});

// aws stands on the same skeleton: one sync through EKS (tokens the fake verifies) into its pods.
describe('pctl sync into pods (aws)', () => {
  const ASTACK = `podsyncaws${process.pid}`;
  const REGION = 'eu-west-1';
  const REGISTRY_PASSWORD = `podsync-ecr-${process.pid}`;
  let world: AwsWorld;
  let dir: string;
  beforeAll(async () => {
    world = await startAwsWorld({
      accountId: '271828182845',
      region: REGION,
      cluster: 'prod',
      credentials: [{ accessKeyId: 'AKIAPODSYNC000000001', secretAccessKey: 'podsync/secret+Key000000000000000001' }],
      registryPassword: REGISTRY_PASSWORD,
      kubeRuntime: 'docker',
      dockerNamePrefix: 'podsyncaws',
    });
    dir = path.join(world.dir, 'stack');
    writeTree(dir, {
      'pctl.yaml': `name: ${ASTACK}
services:
  web:
    image: ./app
    command: 'echo "eks up"; exec sleep 3600'
    provider:
      name: aws
      options: { cluster: prod, namespace: ${NS}, region: ${REGION}, registryHost: ${world.registryHost} }
`,
      'app/Dockerfile': 'FROM busybox:latest\nCOPY site/ /site/\n',
      'app/site/index.html': 'eks v1\n',
    });
    const r = await pctl(['deploy'], { cwd: dir, env: world.env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    await until('the pod running', () => pods(world.kube).length === 1 || undefined, { timeoutMs: 60_000 });
  }, 180_000);
  afterAll(async () => {
    await pctl(['destroy'], { cwd: dir, env: world.env });
    await world?.stop();
    await removeStack(ASTACK);
  });

  it('syncs a change into the EKS pod', async () => {
    writeFileSync(path.join(dir, 'app/site/index.html'), 'eks v2\n');
    const r = await pctl(['sync', '--once', '--json'], { cwd: dir, env: world.env });
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.exitCode).toBe(0);
    const [pod] = pods(world.kube);
    expect(JSON.parse(r.stdout).rounds[0].containers).toEqual([pod]);
    expect(await cat(pod!, '/site/index.html')).toBe('eks v2');
    expect(r.stderr).not.toContain(REGISTRY_PASSWORD);
  }, 60_000);
  it('pctl logs and pctl exec reach the EKS pod through the same skeleton', async () => {
    const [pod] = pods(world.kube);
    const logs = await until("the pod's first line", async () => {
      const r = await pctl(['logs', 'web'], { cwd: dir, env: world.env });
      return r.exitCode === 0 && r.stdout.includes('eks up') ? r : undefined;
    });
    expect(logs.stdout).toMatch(new RegExp(`^web/${pod} +\\| eks up$`, 'm'));
    const x = await pctl(['exec', 'web', '--', 'sh', '-c', 'echo out-$((6*7)); echo err-line >&2; exit 3'], {
      cwd: dir,
      env: world.env,
    });
    expect([x.exitCode, x.stdout, x.stderr]).toEqual([3, 'out-42', expect.stringContaining('err-line')]);
    expect(`${logs.stderr}${x.stderr}`).not.toContain(REGISTRY_PASSWORD);
  }, 60_000);
});
