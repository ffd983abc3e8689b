// startKubeApiServer: an in-process Kubernetes API server for tests, driven by the real @kubernetes/client-node.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { Cluster } from './cluster.js';
import { ControlLoop } from './controllers.js';
import { makeHandler, type Fault, type HttpContext, type RequestRecord } from './http.js';
import { NODE_NAME, type FailureRule, type PodFailureReason, type UnschedulableRule } from './kubelet.js';
import { findByKind } from './resources.js';
import { DockerKubelet } from './runtime/docker.js';
import { connectEngine, SERVER_LABEL } from './runtime/engine.js';
import { ensurePauseImage } from './runtime/pauseImage.js';
import { Store, type KubeObject } from './store.js';
import { defaultTiming, type Timing } from './timing.js';
import { makeUpgradeHandler } from './streaming.js';
import { servingCert } from './tls.js';

export type { KubeObject } from './store.js';
export type { Fault, RequestRecord } from './http.js';
export type { PodFailureReason } from './kubelet.js';
export type { Timing } from './timing.js';

export interface KubeApiServerOptions {
  /** Name of the kubeconfig cluster, user and context. Default 'test'. */
  contextName?: string;
  /** Default namespace of the kubeconfig context; none when omitted (clients then use 'default'). */
  namespace?: string;
  /** Serve HTTPS with a self-signed certificate (CA data in the kubeconfig). Default true; falls back to HTTP without openssl. */
  tls?: boolean;
  /** Controller speeds; see Timing for the defaults. */
  timing?: Partial<Timing>;
  /** Run the controllers (deployments, pods, GC, namespaces...). Default true. */
  controllers?: boolean;
  /** Reported by /version. Default 'v1.32.0'. */
  kubernetesVersion?: string;
  /** Decides whether a request's bearer token is accepted. Default: only the server's own `token`. */
  authenticate?: (bearer: string) => boolean | Promise<boolean>;
  /**
   * Who runs the pods. 'simulated' (default): the in-process kubelet, no processes. 'docker': each pod's containers run on
   * the Docker engine DOCKER_HOST names, and pods/log, pods/exec and pods/portforward are served from them.
   */
  runtime?: 'simulated' | 'docker';
  /** Docker runtime: prefix of the engine's container and volume names. Default 'k8s'. */
  dockerNamePrefix?: string;
}

export interface KubeApiControls {
  /** Pods whose container image contains `imageSubstring` stay waiting with `reason` and emit Failed/BackOff events. */
  failImage(imageSubstring: string, reason: PodFailureReason): void;
  /** Undo failImage for one substring, or for all; affected pods then start. */
  clearImageFailures(imageSubstring?: string): void;
  /** Pods whose name starts with `match` (or whose labels include `match`) stay Pending with PodScheduled=False/Unschedulable. */
  unschedulable(match: string | Record<string, string>, message?: string): void;
  clearUnschedulable(): void;
  /** Fail matching requests with a Status error (e.g. 500, 429 with retryAfterSeconds, 503). */
  injectFault(fault: Fault): void;
  clearFaults(): void;
  /** Stop and restart the controller loop (the API keeps serving). */
  pauseControllers(): void;
  resumeControllers(): void;
  /** Run one controller pass now. */
  tick(): void;
  /** Change controller speeds on the fly. */
  setTiming(timing: Partial<Timing>): void;
  /** Answer as another Kubernetes version from now on (/version; before v1.30, pods/exec speaks only v4.channel.k8s.io). */
  setKubernetesVersion(gitVersion: string): void;
}

export interface KubeApiServer {
  /** https://127.0.0.1:<port> (or http:// when TLS is off). */
  url: string;
  /** A kubeconfig file with cluster, user and context all named `contextName`, and it as current-context. */
  kubeconfigPath: string;
  /** That kubeconfig, loaded. */
  kubeConfig: KubeConfig;
  contextName: string;
  /** Bearer token the server requires (it is in the kubeconfig). */
  token: string;
  /** Stored objects of a kind ('Deployment', 'deployments', 'deploy', or with apiVersion), all namespaces when omitted. */
  list(kind: string, namespace?: string, apiVersion?: string): KubeObject[];
  /** One stored object, or undefined. */
  get(kind: string, namespace: string | undefined, name: string, apiVersion?: string): KubeObject | undefined;
  /** Core v1 Events in a namespace, optionally only those about the named object. */
  events(namespace: string, involvedName?: string): KubeObject[];
  /** Create an object directly (no HTTP); `fieldManager` defaults to 'test-seed'. */
  create(obj: KubeObject, fieldManager?: string): KubeObject;
  /** Every request served, in order. */
  requests: RequestRecord[];
  /** Errors thrown inside controllers (should stay empty). */
  controllerErrors: Error[];
  /** Resolve once `predicate` holds (polled every tick), reject after `timeoutMs` (default 10 s). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  controls: KubeApiControls;
  /** Docker runtime: the label (`key=value`) on every container and volume this server started on the engine. */
  engineLabel?: string;
  /** Stops the controllers and the server; with the Docker runtime, removes everything it started on the engine. */
  close(): Promise<void>;
}

function bootstrap(cluster: Cluster): void {
  const mk = (kind: string, obj: Record<string, unknown>, ns?: string): void => {
    const t = findByKind(kind);
    if (t) cluster.create(t, ns, obj, { fieldManager: 'kube-apiserver' });
  };
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    mk('Namespace', { metadata: { name: ns } });
  mk('Node', {
    metadata: {
      name: NODE_NAME,
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: '10.244.0.0/24' },
  });
  const nt = cluster.type('Node');
  const node = cluster.store.get(nt, undefined, NODE_NAME);
  if (node) {
    node.status = {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: NODE_NAME },
      ],
      capacity: { cpu: '8', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '8', memory: '16Gi', pods: '110' },
      nodeInfo: {
        kubeletVersion: 'v1.32.0',
        containerRuntimeVersion: 'containerd://1.7.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
    cluster.controllerWrite(nt, node);
  }
  mk('StorageClass', {
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  });
  mk(
    'Service',
    {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] },
    },
    'default',
  );
}

/** Start an API server on 127.0.0.1 with a random port and write a kubeconfig for it. */
export async function startKubeApiServer(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  // Real containers take real seconds to start: with the Docker runtime a progress deadline lasts 10x longer (600 s -> 60 s).
  const runtimeTiming: Partial<Timing> = opts.runtime === 'docker' ? { progressDeadlineMsPerSecond: 100 } : {};
  const timing: Timing = { ...defaultTiming, ...runtimeTiming, ...opts.timing };
  const store = new Store();
  const cluster = new Cluster(store, () => timing.podTerminationMs);
  const failures: FailureRule[] = [];
  const unschedulableRules: UnschedulableRule[] = [];
  const engine = opts.runtime === 'docker' ? await connectEngine(opts.dockerNamePrefix ?? 'k8s') : undefined;
  if (engine) await ensurePauseImage(engine.docker);
  let dockerKubelet: DockerKubelet | undefined;
  const loop = new ControlLoop(
    cluster,
    timing,
    failures,
    unschedulableRules,
    engine &&
      ((errors) => {
        dockerKubelet = new DockerKubelet(cluster, timing, failures, unschedulableRules, engine, errors);
        return dockerKubelet;
      }),
  );
  const token = randomBytes(16).toString('hex');
  const contextName = opts.contextName ?? 'test';
  const cert = opts.tls === false ? undefined : servingCert();
  let url = '';
  const ctx: HttpContext = {
    cluster,
    token,
    serverAddress: () => url.replace(/^https?:\/\//, ''),
    requests: [],
    faults: [],
    watches: new Set<ServerResponse>(),
    gitVersion: opts.kubernetesVersion ?? 'v1.32.0',
    authenticate: opts.authenticate,
    runtime: () => dockerKubelet,
  };
  bootstrap(cluster);
  const handler = makeHandler(ctx);
  const server: Server = cert
    ? createHttpsServer({ cert: cert.cert, key: cert.key }, handler)
    : createHttpServer(handler);
  server.on(
    'upgrade',
    makeUpgradeHandler(ctx, () => dockerKubelet),
  );
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `${cert ? 'https' : 'http'}://127.0.0.1:${port}`;

  const dir = mkdtempSync(join(tmpdir(), 'kube-api-server-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: contextName,
        cluster: cert
          ? { server: url, 'certificate-authority-data': Buffer.from(cert.cert).toString('base64') }
          : { server: url, 'insecure-skip-tls-verify': true },
      },
    ],
    users: [{ name: contextName, user: { token } }],
    contexts: [
      {
        name: contextName,
        context: { cluster: contextName, user: contextName, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
      },
    ],
    'current-context': contextName,
    preferences: {},
  };
  writeFileSync(kubeconfigPath, yaml.dump(kubeconfig), { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);

  if (opts.controllers !== false) loop.start();

  const typeOf = (kind: string, apiVersion?: string) => {
    const t = findByKind(kind, apiVersion);
    if (!t) throw new Error(`kube-api-server: unknown kind ${kind}`);
    return t;
  };
  let closed = false;

  return {
    url,
    kubeconfigPath,
    kubeConfig,
    contextName,
    token,
    requests: ctx.requests,
    ...(engine ? { engineLabel: `${SERVER_LABEL}=${engine.id}` } : {}),
    controllerErrors: loop.errors,
    list: (kind, namespace, apiVersion) => store.list(typeOf(kind, apiVersion), namespace),
    get: (kind, namespace, name, apiVersion) => store.get(typeOf(kind, apiVersion), namespace, name),
    events: (namespace, involvedName) =>
      store
        .list(typeOf('Event', 'v1'), namespace)
        .filter((e) => !involvedName || (e.involvedObject as { name?: string } | undefined)?.name === involvedName),
    create: (obj, fieldManager = 'test-seed') => {
      const t = typeOf(obj.kind ?? '', obj.apiVersion);
      return cluster.create(t, t.namespaced ? (obj.metadata.namespace ?? 'default') : undefined, obj, { fieldManager });
    },
    waitFor: (predicate, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const start = Date.now();
        const poll = (): void => {
          let ok = false;
          try {
            ok = predicate();
          } catch {
            ok = false;
          }
          if (ok) resolve();
          else if (Date.now() - start > timeoutMs)
            reject(new Error(`kube-api-server: condition not met within ${timeoutMs} ms`));
          else setTimeout(poll, timing.tickMs);
        };
        poll();
      }),
    controls: {
      failImage: (image, reason) => {
        failures.push({ image, reason });
      },
      clearImageFailures: (image) => {
        for (let i = failures.length - 1; i >= 0; i--)
          if (image === undefined || failures[i].image === image) failures.splice(i, 1);
      },
      unschedulable: (
        match,
        message = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
      ) => {
        unschedulableRules.push({ match, message });
      },
      clearUnschedulable: () => {
        unschedulableRules.splice(0);
      },
      injectFault: (fault) => {
        ctx.faults.push(fault);
      },
      clearFaults: () => {
        ctx.faults.splice(0);
      },
      pauseControllers: () => loop.pause(),
      resumeControllers: () => loop.resume(),
      tick: () => loop.tick(),
      setKubernetesVersion: (v) => {
        ctx.gitVersion = v;
      },
      setTiming: (t) => {
        Object.assign(timing, t);
      },
    },
    close: async () => {
      if (closed) return;
      closed = true;
      loop.stop();
      await dockerKubelet?.shutdown();
      for (const w of ctx.watches) w.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
