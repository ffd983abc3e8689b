// The Docker-backed kubelet judged by the real kubectl with its default flags: logs (-f, --previous), exec (with and
// without -it, exit codes), cp both ways, port-forward; and by the engine: containers as the pod spec says, restarts,
// probes, removal with the pod and with the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, PortForward, type V1Status } from '@kubernetes/client-node';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/until.js';
import { startKubeApiServer, type KubeApiServer } from './index.js';
import { kubectlRunner, type KubectlResult } from './kubectlClient.js';

const NS = 'kl-ns';
// One request on a connection of its own (no keep-alive), so each is one forwarded connection.
const httpGet = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
const busybox = 'busybox:latest';
// Serves HTTP on 8080 (busybox httpd, a page from the emptyDir), prints a tick every 200 ms, and shows what the pod spec gave it.
const webScript = [
  'echo "greeting=$GREETING level=$LEVEL token=$TOKEN pod=$POD_NAME"',
  'echo "file=$(cat /etc/kl/mode)"',
  'mkdir -p /scratch/www && echo "hello from kl-web" > /scratch/www/index.html && httpd -p 8080 -h /scratch/www',
  'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
].join('\n');

describe('kube-api-server with the Docker-backed kubelet, judged by kubectl', () => {
  let server: KubeApiServer;
  let dir: string;
  let kubectl: (...args: string[]) => Promise<KubectlResult>;
  const docker = new Docker();
  const children: ChildProcess[] = [];
  const pod = (name: string) => server.get('Pod', NS, name);
  const status = (name: string) =>
    pod(name)?.status as
      | { phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: Record<string, any>[] }
      | undefined;
  const ready = (name: string) => status(name)?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const detail = (name: string) => () => JSON.stringify(status(name));
  // A long-running kubectl (logs -f, port-forward) whose output is collected as it comes.
  const background = (...args: string[]) => {
    const child = spawn('kubectl', ['--kubeconfig', server.kubeconfigPath, '-n', NS, ...args], {
      env: { ...process.env, HOME: dir, KUBECACHEDIR: `${dir}/.kube/cache` },
    });
    children.push(child);
    const out = { text: '', err: '' };
    child.stdout.on('data', (d: Buffer) => (out.text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out.err += d.toString()));
    return { child, out };
  };
  const inShell = (command: string, input?: string) =>
    new Promise<KubectlResult>((resolve) => {
      const child = spawn('bash', ['-c', command], {
        env: { ...process.env, HOME: dir, KUBECACHEDIR: `${dir}/.kube/cache`, KUBECONFIG: server.kubeconfigPath },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
      child.stdin.end(input ?? '');
    });

  beforeAll(async () => {
    server = await startKubeApiServer({ contextName: 'kl', runtime: 'docker', dockerNamePrefix: 'kl' });
    dir = mkdtempSync(join(tmpdir(), 'kl-kubectl-'));
    kubectl = kubectlRunner(server.kubeconfigPath, dir);
    server.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    server.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kl-settings', namespace: NS },
      data: { mode: 'fast', level: '3' },
    });
    server.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kl-creds', namespace: NS },
      data: { token: Buffer.from('s3cret').toString('base64') },
    });
    server.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kl-web', namespace: NS },
      spec: {
        containers: [
          {
            name: 'web',
            image: busybox,
            command: ['sh', '-c'],
            args: [webScript],
            env: [
              { name: 'WHO', value: 'world' },
              { name: 'GREETING', value: 'hello $(WHO)' },
              { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'kl-settings', key: 'level' } } },
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'kl-creds', key: 'token' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { port: 'http', path: '/index.html' }, periodSeconds: 1 },
            volumeMounts: [
              { name: 'settings', mountPath: '/etc/kl' },
              { name: 'scratch', mountPath: '/scratch' },
            ],
          },
        ],
        volumes: [
          { name: 'settings', configMap: { name: 'kl-settings' } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    });
    await until('kl-web Ready', () => ready('kl-web'), { detail: detail('kl-web'), timeoutMs: 60_000 });
  });

  afterAll(async () => {
    for (const c of children) c.kill();
    if (!server) return;
    const label = server.engineLabel ?? '';
    await server.close();
    // Everything the server started on the engine is gone with it.
    expect(await docker.listContainers({ all: true, filters: { label: [label] } })).toEqual([]);
    expect((await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? []).toEqual([]);
    expect(server.controllerErrors).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the pod as containers on the engine, labelled, with env, command and volumes as the spec says', async () => {
    const uid = pod('kl-web')?.metadata.uid ?? '';
    const mine = await docker.listContainers({
      filters: { label: [server.engineLabel ?? '', `io.kubernetes.pod.uid=${uid}`] },
    });
    expect(mine.map((c) => c.Labels['io.kubernetes.container.name']).sort()).toEqual(['POD', 'web']);
    expect(status('kl-web')).toMatchObject({
      phase: 'Running',
      containerStatuses: [{ name: 'web', ready: true, started: true, restartCount: 0, state: { running: {} } }],
    });
    expect(status('kl-web')?.containerStatuses?.[0].containerID).toBe(
      `docker://${mine.find((c) => c.Labels['io.kubernetes.container.name'] === 'web')?.Id}`,
    );
    const logs = await kubectl('-n', NS, 'logs', 'kl-web');
    expect(logs.code).toBe(0);
    expect(logs.out).toContain('greeting=hello world level=3 token=s3cret pod=kl-web\nfile=fast\n');
  });

  it('kubectl logs -f sees lines appear; --tail and --timestamps are honoured', async () => {
    const { out } = background('logs', '-f', 'kl-web');
    const first = await until('a tick from logs -f', () => /tick (\d+)/.exec(out.text)?.[1]);
    await until('a later tick from logs -f', () => out.text.includes(`tick ${Number(first) + 3}\n`), {
      detail: () => out.text,
    });
    const tail = await kubectl('-n', NS, 'logs', 'kl-web', '--tail=2', '--timestamps');
    const lines = tail.out.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+$/);
    expect((await kubectl('-n', NS, 'logs', 'kl-web', '--since=1h')).out).toContain('greeting=hello world');
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await kubectl('-n', NS, 'logs', 'kl-web', `--since-time=${future}`)).toMatchObject({ code: 0, out: '' });
    expect(await kubectl('-n', NS, 'logs', 'kl-web', '--previous')).toMatchObject({
      code: 1,
      err: 'Error from server (BadRequest): previous terminated container "web" in pod "kl-web" not found\n',
    });
  });

  it('kubectl exec passes output, stderr and the exit code', async () => {
    const r = await kubectl('-n', NS, 'exec', 'kl-web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect(r.code).toBe(3);
    expect(r.out).toBe('out\n');
    expect(r.err).toContain('err\n');
    expect(r.err).toContain('command terminated with exit code 3');
    expect(await kubectl('-n', NS, 'exec', 'kl-web', '--', 'cat', '/etc/kl/level')).toMatchObject({
      code: 0,
      out: '3',
    });
    const upgrades = server.requests.filter((q) => q.path === `/api/v1/namespaces/${NS}/pods/kl-web/exec`);
    expect(upgrades.length).toBeGreaterThan(0);
  });

  it('kubectl exec -i feeds stdin and ends it; -it runs in a terminal', async () => {
    const piped = await inShell(
      `printf 'line one\\nline two\\n' | kubectl -n ${NS} exec -i kl-web -- sh -c 'wc -l; exit 4'`,
    );
    expect(piped.code).toBe(4);
    expect(piped.out.trim()).toBe('2');
    // script(1) gives kubectl a terminal, so -t is honoured: the shell in the pod sees a TTY and its size.
    const tty = await inShell(
      `script -qec "kubectl -n ${NS} exec -it kl-web -- sh -c 'test -t 0 && test -t 1 && echo tty-yes; exit 5'" /dev/null`,
    );
    expect(tty.out).toContain('tty-yes');
    expect(tty.code).toBe(5);
    // Without a terminal (-i only) the same command sees none.
    const plain = await inShell(`kubectl -n ${NS} exec -i kl-web -- sh -c 'test -t 1 && echo tty-yes || echo tty-no'`);
    expect(plain).toMatchObject({ code: 0, out: 'tty-no\n' });
  });

  it('kubectl cp copies a file into the pod and back out', async () => {
    const local = join(dir, 'kl-in.txt');
    writeFileSync(local, 'copied in\n'.repeat(1000));
    const up = await kubectl('-n', NS, 'cp', local, 'kl-web:/scratch/kl-in.txt');
    expect(up, up.err).toMatchObject({ code: 0 });
    expect(await kubectl('-n', NS, 'exec', 'kl-web', '--', 'wc', '-l', '/scratch/kl-in.txt')).toMatchObject({
      code: 0,
      out: '1000 /scratch/kl-in.txt\n',
    });
    const back = join(dir, 'kl-out.txt');
    const down = await kubectl('-n', NS, 'cp', 'kl-web:/scratch/kl-in.txt', back);
    expect(down, down.err).toMatchObject({ code: 0 });
    expect(readFileSync(back, 'utf8')).toBe('copied in\n'.repeat(1000));
  });

  it('kubectl port-forward carries requests to the pod and their replies back', async () => {
    const { out } = background('port-forward', 'pod/kl-web', ':8080');
    const port = Number(
      await until('port-forward listening', () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out.text)?.[1], {
        detail: () => out.err,
      }),
    );
    for (const attempt of [1, 2]) {
      expect(await httpGet(`http://127.0.0.1:${port}/index.html?attempt=${attempt}`)).toEqual({
        status: 200,
        body: 'hello from kl-web\n',
      });
    }
    expect(out.text.match(/Handling connection for \d+/g)).toHaveLength(2);
  });

  it("kubectl port-forward to a port nothing listens on reports the kubelet's error", async () => {
    const { out } = background('port-forward', 'pod/kl-web', ':9999');
    const port = Number(
      await until('port-forward listening', () => /Forwarding from 127\.0\.0\.1:(\d+) -> 9999/.exec(out.text)?.[1], {
        detail: () => out.err,
      }),
    );
    await httpGet(`http://127.0.0.1:${port}/`).catch(() => undefined);
    await until('the forwarding error', () => out.err.includes('error forwarding port 9999 to pod kl-web'), {
      detail: () => out.err,
    });
    expect(out.err).toMatch(
      /an error occurred forwarding \d+ -> 9999: error forwarding port 9999 to pod kl-web, uid [0-9a-f-]+: failed to connect to [\d.]+:9999 inside the pod/,
    );
  });

  it('@kubernetes/client-node: Exec reports the exit status, PortForward speaks the WebSocket channel framing', async () => {
    let status: V1Status | undefined;
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d: Buffer) => (text += d.toString()));
    const ws = await new Exec(server.kubeConfig).exec(
      NS,
      'kl-web',
      'web',
      ['sh', '-c', 'echo from-client-node; exit 6'],
      stdout,
      null,
      null,
      false,
      (s) => (status = s),
    );
    await until('the exec status', () => status);
    expect(ws.protocol).toBe('v5.channel.k8s.io');
    expect(text).toBe('from-client-node\n');
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '6' }] },
    });

    const input = new PassThrough();
    const output = new PassThrough();
    let reply = '';
    output.on('data', (d: Buffer) => (reply += d.toString()));
    const pf = (await new PortForward(server.kubeConfig).portForward(NS, 'kl-web', [8080], output, null, input)) as {
      protocol: string;
      close(): void;
    };
    input.write('GET /index.html HTTP/1.0\r\n\r\n');
    await until('the reply through the WebSocket port-forward', () => reply.includes('hello from kl-web'), {
      detail: () => reply,
    });
    expect(pf.protocol).toBe('v4.channel.k8s.io');
    expect(reply).toMatch(/^HTTP\/1\.[01] 200 OK\r\n/);
    pf.close();
  });

  it("runs a Deployment's pods as containers: kubectl rollout status waits for them to be Ready", async () => {
    expect(
      await kubectl(
        '-n',
        NS,
        'create',
        'deployment',
        'kl-dep',
        `--image=${busybox}`,
        '--replicas=2',
        '--',
        'httpd',
        '-f',
        '-p',
        '8080',
      ),
    ).toMatchObject({ code: 0 });
    const rollout = await kubectl('-n', NS, 'rollout', 'status', 'deployment/kl-dep', '--timeout=60s');
    expect(rollout, rollout.err).toMatchObject({ code: 0 });
    const pods = server.list('Pod', NS).filter((p) => p.metadata.labels?.app === 'kl-dep');
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      const running = await docker.listContainers({
        filters: { label: [`io.kubernetes.pod.uid=${p.metadata.uid}`, 'io.kubernetes.container.name=busybox'] },
      });
      expect(running).toHaveLength(1);
    }
    expect(await kubectl('-n', NS, 'delete', 'deployment', 'kl-dep')).toMatchObject({ code: 0 });
  });

  it("runs init containers first; a pod's containers share localhost and volumes", async () => {
    const fetchPage =
      "until printf 'GET /init.txt HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8081 > /tmp/page && grep -q prepared /tmp/page; do sleep 0.2; done; cat /tmp/page; sleep 3600";
    server.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kl-duo', namespace: NS },
      spec: {
        initContainers: [
          {
            name: 'init',
            image: busybox,
            command: ['sh', '-c', 'echo prepared > /shared/init.txt'],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          },
        ],
        containers: [
          {
            name: 'a',
            image: busybox,
            command: ['httpd', '-f', '-p', '8081', '-h', '/shared'],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          },
          { name: 'b', image: busybox, command: ['sh', '-c', fetchPage] },
        ],
        volumes: [{ name: 'shared', emptyDir: {} }],
      },
    });
    await until('kl-duo Ready', () => ready('kl-duo'), { detail: detail('kl-duo'), timeoutMs: 60_000 });
    expect(pod('kl-duo')?.status?.initContainerStatuses).toMatchObject([
      { name: 'init', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    ]);
    await until(
      'b fetched the page from a over localhost',
      async () => (await kubectl('-n', NS, 'logs', 'kl-duo', '-c', 'b')).out.includes('prepared'),
      { timeoutMs: 60_000 },
    );
    // The API server's own rule when no container is named (kubectl picks a default itself, so ask without it).
    const core = server.kubeConfig.makeApiClient(CoreV1Api);
    const err = await core.readNamespacedPodLog({ name: 'kl-duo', namespace: NS }).then(
      () => undefined,
      (e: { code?: number; body?: string }) => e,
    );
    expect(err?.code).toBe(400);
    expect(JSON.parse(String(err?.body)).message).toBe(
      'a container name must be specified for pod kl-duo, choose one of: [a b] or one of the init containers: [init]',
    );
  });

  it("restarts a container that exits, counts it, and serves the previous instance's log", async () => {
    server.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kl-crash', namespace: NS },
      spec: {
        containers: [
          {
            name: 'crash',
            image: busybox,
            command: ['sh', '-c', 'echo "run $(cat /proc/sys/kernel/random/uuid)"; exit 2'],
          },
        ],
      },
    });
    await until('two restarts', () => (status('kl-crash')?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, {
      detail: detail('kl-crash'),
      timeoutMs: 60_000,
    });
    expect(status('kl-crash')?.containerStatuses?.[0].lastState).toMatchObject({
      terminated: { exitCode: 2, reason: 'Error' },
    });
    // The container restarts every few seconds: an instance named by one request may be
    // gone by the next (the one before it is removed as a new one starts), so the pair of
    // reads is taken again until it comes from one moment.
    let seen = '';
    await until(
      "--previous to give an earlier run's line than the current log",
      async () => {
        const prev = await kubectl('-n', NS, 'logs', 'kl-crash', '--previous');
        const current = await kubectl('-n', NS, 'logs', 'kl-crash');
        seen = `previous (${prev.code}): ${JSON.stringify(prev.out)}, current: ${JSON.stringify(current.out)}`;
        return prev.code === 0 && /^run [0-9a-f-]{36}\n$/.test(prev.out) && prev.out !== current.out;
      },
      { timeoutMs: 60_000, detail: () => seen },
    );
    expect(server.events(NS, 'kl-crash').map((e) => e.reason)).toContain('BackOff');
  });

  it('a pod that runs to completion succeeds with restartPolicy Never', async () => {
    server.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kl-once', namespace: NS },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'once', image: busybox, command: ['sh', '-c', 'echo done'] }],
      },
    });
    await until('kl-once Succeeded', () => status('kl-once')?.phase === 'Succeeded', {
      detail: detail('kl-once'),
      timeoutMs: 60_000,
    });
    expect(status('kl-once')?.containerStatuses?.[0]).toMatchObject({
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    });
    expect((await kubectl('-n', NS, 'logs', 'kl-once')).out).toBe('done\n');
  });

  it('readiness follows an exec probe, and exec probes see the container', async () => {
    server.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kl-probe', namespace: NS },
      spec: {
        containers: [
          {
            name: 'probe',
            image: busybox,
            command: ['sh', '-c', 'while true; do sleep 1; done'],
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 3, failureThreshold: 1 },
          },
        ],
      },
    });
    await until('kl-probe running', () => status('kl-probe')?.containerStatuses?.[0]?.state?.running, {
      detail: detail('kl-probe'),
      timeoutMs: 60_000,
    });
    await until('an Unhealthy event', () => server.events(NS, 'kl-probe').some((e) => e.reason === 'Unhealthy'), {
      timeoutMs: 60_000,
    });
    expect(ready('kl-probe')).toBe(false);
    expect(await kubectl('-n', NS, 'exec', 'kl-probe', '--', 'touch', '/tmp/ready')).toMatchObject({ code: 0 });
    await until('kl-probe Ready', () => ready('kl-probe'), { detail: detail('kl-probe'), timeoutMs: 60_000 });
  });

  it('without the Docker runtime the streaming subresources are not served', async () => {
    const sim = await startKubeApiServer({ contextName: 'kl-sim' });
    try {
      sim.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'kl-sim', namespace: 'default' },
        spec: { containers: [{ name: 'c', image: busybox }] },
      });
      await sim.waitFor(() => sim.get('Pod', 'default', 'kl-sim')?.status?.phase === 'Running');
      const r = await kubectlRunner(sim.kubeconfigPath, mkdtempSync(join(dir, 'sim-')))('exec', 'kl-sim', '--', 'true');
      expect(r.code).not.toBe(0);
      expect(r.err).toContain('the server could not find the requested resource');
      expect(
        sim.requests.filter((q) => q.path === '/api/v1/namespaces/default/pods/kl-sim/exec').map((q) => q.status),
      ).toContain(404);
    } finally {
      await sim.close();
    }
  });

  it('deleting a pod removes its containers', async () => {
    const uid = pod('kl-probe')?.metadata.uid ?? '';
    expect(await kubectl('-n', NS, 'delete', 'pod', 'kl-probe')).toMatchObject({
      code: 0,
      out: 'pod "kl-probe" deleted\n',
    });
    expect(pod('kl-probe')).toBeUndefined();
    expect(await docker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${uid}`] } })).toEqual(
      [],
    );
  });
});
