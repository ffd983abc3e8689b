// `pctl dev` on Kubernetes, end to end: the built CLI as one long-running child, the kind
// provider (`kind` faked on PATH), the Kubernetes API test server with its Docker-backed
// kubelet, so the pods are real containers on the engine. A file a COPY pair covers is
// synced into the same pods; the service's port is forwarded and stays on its local port
// across a rollout; a Dockerfile change rebuilds, loads and rolls out new pods whose logs
// stream; Ctrl-C leaves the Deployment running, no lock and the state true.
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import { pctlBin, repoRoot } from '../helpers/cli.js';
import { removeStack, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/until.js';
import { useStack } from '../helpers/stack.js';

const CLUSTER = `devkube-${process.pid}`;
const STACK = `devkube${process.pid}`;
const NS = `devkube-${process.pid}`;
const KEY = `${STACK}-web`;
const DOCKERFILE = 'FROM busybox:latest\nCOPY site/ /site/\nRUN echo one > /version\n';
let server: KubeApiServer;
let env: Record<string, string>;
let port = 0;
type Dep = { spec: { template: { spec: { containers: { image: string }[] } } } };
const stack = useStack({ prefix: 'devkube-' });

// A local port free now: the service's container port, so that dev forwards it to the same number.
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

// Pods of the service that are neither going away nor gone, by name -> uid.
const pods = () =>
  new Map(
    server
      .list('Pod', NS)
      .filter((p) => p.metadata?.labels?.['pctl-service'] === KEY && !p.metadata?.deletionTimestamp)
      .map((p) => [p.metadata!.name as string, p.metadata!.uid as string]),
  );
const running = () =>
  server
    .list('Pod', NS)
    .filter((p) => p.metadata?.labels?.['pctl-service'] === KEY && !p.metadata?.deletionTimestamp)
    .filter((p) => p.status?.phase === 'Running')
    .map((p) => p.metadata!.name as string)
    .sort();
// The engine container running the pod's `web` container now.
const containerOf = async (pod: string) => {
  const ps = await execa('docker', [
    'ps',
    '-q',
    '--filter',
    `label=io.kubernetes.pod.name=${pod}`,
    '--filter',
    'label=io.kubernetes.container.name=web',
  ]);
  return ps.stdout.split('\n').filter(Boolean)[0];
};
const cat = async (pod: string, file: string) => {
  const id = await containerOf(pod);
  if (!id) return undefined;
  const r = await execa('docker', ['exec', id, 'cat', file], { reject: false });
  return r.exitCode === 0 ? r.stdout : undefined;
};
// What one connection to the local port answers (the pod's /version and page), or undefined.
const ask = (p: number) =>
  new Promise<string | undefined>((resolve) => {
    let got = '';
    const socket = net.connect(p, '127.0.0.1');
    socket.on('data', (b) => (got += b.toString()));
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => resolve(got ? got.trimEnd() : undefined));
    socket.setTimeout(10_000, () => socket.destroy());
  });

let child: ResultPromise<{ cwd: string; reject: false; env: Record<string, string> }> | undefined;
let out = '';
let err = '';
const finished = () => err.split('\n').filter((l) => /^deployed[ :]|^deploy failed: /.test(l)).length;
const waitFor = <T>(what: string, check: () => T | Promise<T>) =>
  until(what, check, {
    timeoutMs: 90_000,
    giveUpIf: () => (child?.exitCode !== null && child?.exitCode !== undefined ? 'pctl dev exited' : undefined),
    detail: () => `stderr:\n${err.slice(-3000)}\nstdout:\n${out.slice(-1500)}`,
  });

beforeAll(async () => {
  await requireDocker();
  port = await freePort();
  server = await startKubeApiServer({ contextName: `kind-${CLUSTER}`, runtime: 'docker', dockerNamePrefix: 'devkube' });
  env = {
    PATH: `${path.join(repoRoot, 'test/fixtures/fake-kind')}:${process.env.PATH}`,
    KUBECONFIG: server.kubeconfigPath,
    PCTL_FAKE_KIND_LOG: stack.path('kind.log'),
    PCTL_FAKE_KIND_STATE: stack.path('kind-clusters.json'),
    NO_COLOR: '1',
  };
  writeFileSync(
    stack.path('pctl.yaml'),
    `name: ${STACK}
services:
  web:
    image: ./app
    command: 'echo "web up $(cat /version)"; exec nc -ll -p ${port} -e cat /version /site/page.txt'
    ports: ["${port}"]
    scale: { replica: 2 }
    provider: { name: kind, options: { cluster: ${CLUSTER}, namespace: ${NS}, rolloutTimeout: 60 } }
`,
  );
  stack.write({ 'app/Dockerfile': DOCKERFILE, 'app/site/page.txt': 'first\n' });
  child = execa(process.execPath, [pctlBin, 'dev'], { cwd: stack.dir, reject: false, env });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor('the ready line', () => err.includes('watching web and pctl.yaml for changes'));
}, 180_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await child;
  }
  await execa('docker', ['rm', '-f', `${CLUSTER}-control-plane`], { reject: false });
  await server?.close();
  await removeStack(STACK);
});

describe('pctl dev on Kubernetes (kind, the Docker-backed kubelet)', () => {
  let first = new Map<string, string>();

  it('forwards the service port on the same local port, and it answers from a pod', async () => {
    await waitFor('both pods running', () => running().length === 2 || undefined);
    first = pods();
    await waitFor('the forward', () => err.includes(`forwarding 127.0.0.1:${port} -> web/`));
    expect(await waitFor('an answer through the forward', async () => await ask(port))).toBe('one\nfirst');
    expect(existsSync(stack.path(`pctl.${STACK}.json.lock`))).toBe(false);
  });

  it('syncs a file a COPY pair covers into every pod, with no new pod', async () => {
    writeFileSync(stack.path('app/site/page.txt'), 'synced live\n');
    for (const pod of first.keys())
      await waitFor(`the synced file in ${pod}`, async () => (await cat(pod, '/site/page.txt')) === 'synced live');
    // The line follows the copy: wait for it rather than reading stderr the moment the files are there.
    await waitFor('the sync line', () => /web: synced 1 file to \S+, \S+/.test(err) || undefined);
    expect(pods()).toEqual(first);
    expect(err).not.toMatch(/deploying \(web/);
    expect(await ask(port)).toBe('one\nsynced live');
  });

  it('gives a container that restarts after the sync the synced file again', async () => {
    const [pod] = [...first.keys()];
    const before = await containerOf(pod!);
    await execa('docker', ['kill', before!]);
    await waitFor(`${pod} restarted with the synced file`, async () => {
      const now = await containerOf(pod!);
      return now && now !== before && (await cat(pod!, '/site/page.txt')) === 'synced live';
    });
    // The line follows the copy: wait for it rather than reading stderr the moment the file is there.
    const said = new RegExp(`web: synced 1 file changed since the deploy to ${pod} \\(started since\\)`);
    await waitFor('the catch-up line', () => said.test(err) || undefined);
    expect(pods()).toEqual(first);
  });

  it('a Dockerfile change rebuilds, loads and rolls out new pods; the same port answers from them; their logs stream', async () => {
    const before = finished();
    writeFileSync(stack.path('app/Dockerfile'), DOCKERFILE.replace('echo one', 'echo two'));
    await waitFor('the deploy to end', () => finished() > before);
    expect(err).toContain('deploying (web: the Dockerfile changed)');
    expect(
      err
        .split('\n')
        .filter((l) => /^deployed[ :]/.test(l))
        .at(-1),
    ).toMatch(/^deployed web \(/);
    // The new image went into the cluster the way kind takes it: `kind load docker-image`.
    const loads = readFileSync(stack.path('kind.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[])
      .filter((a) => a[0] === 'load' && a[1] === 'docker-image');
    expect(loads).toHaveLength(2);
    const fresh = await waitFor('two new pods running', () => {
      const now = running().filter((p) => !first.has(p));
      return now.length === 2 && running().length === 2 ? now : undefined;
    });
    for (const pod of fresh) expect(await cat(pod, '/version')).toBe('two');
    const image = (server.get('Deployment', NS, KEY) as unknown as Dep).spec.template.spec.containers[0]!.image;
    expect(loads[1]!.at(-1)).toBe(image);
    // The same local port, now reaching a new pod (the build carries the synced page).
    expect(
      await waitFor('the new pod through the forward', async () =>
        (await ask(port)) === 'two\nsynced live' ? true : undefined,
      ),
    ).toBe(true);
    const forwarded = server.requests.filter((q) => q.path.endsWith('/portforward')).at(-1)!;
    expect(fresh.some((p) => forwarded.path.includes(`/pods/${p}/`))).toBe(true);
    for (const pod of fresh)
      await waitFor(`the log of ${pod}`, () => new RegExp(`^web/${pod} +\\| web up two$`, 'm').test(out));
    // The old pods are said gone, each once.
    for (const pod of first.keys())
      await waitFor(`${pod} said gone`, () => new RegExp(`^web/${pod} went away: `, 'm').test(err));
  }, 180_000);

  it('stops on Ctrl-C with exit 0: the Deployment runs on, no lock, the state true', async () => {
    child!.kill('SIGINT');
    const r = await child!;
    expect(r.exitCode, err).toBe(0);
    expect(err).toMatch(/dev stopped after 2 deploys \(0 failed\) and 1 sync/);
    expect(existsSync(stack.path(`pctl.${STACK}.json.lock`))).toBe(false);
    const dep = server.get('Deployment', NS, KEY);
    expect(dep).toBeTruthy();
    expect(running()).toHaveLength(2);
    const state = JSON.parse(readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8'));
    expect(state[KEY].image).toBe((dep as unknown as Dep).spec.template.spec.containers[0]!.image);
    const plan = await execa(process.execPath, [pctlBin, 'plan', '--json'], { cwd: stack.dir, reject: false, env });
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).services).toEqual([expect.objectContaining({ key: KEY, action: 'unchanged' })]);
  });
});
