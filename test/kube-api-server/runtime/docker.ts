// The Docker-backed kubelet: scheduled pods run as containers on the engine DOCKER_HOST names, their status comes from
// what those containers do, and the streaming subresources (log, exec, portforward) reach them through `ContainerRuntime`.
import type Dockerode from 'dockerode';
import type { Cluster } from '../cluster.js';
import { ApiError } from '../errors.js';
import { recordEvent } from '../events.js';
import { clone, deepEqual } from '../jsonValue.js';
import { Kubelet, kubeletSource, NODE_IP, type FailureRule, type UnschedulableRule } from '../kubelet.js';
import type { KubeObject } from '../store.js';
import type { Timing } from '../timing.js';
import type { ContainerRuntime } from './containerRuntime.js';
import { cleanupEngine, type Engine } from './engine.js';
import { PodRun, type PodHost } from './podRun.js';
import { podStatus } from './podStatus.js';

const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

export class DockerKubelet extends Kubelet implements ContainerRuntime {
  private readonly runs = new Map<string, PodRun>();
  private readonly starts: Promise<void>[] = [];
  private readonly stops = new Map<string, Promise<void>>();
  private readonly stopped = new Set<string>();
  private closing = false;

  constructor(
    cluster: Cluster,
    timing: Timing,
    failures: FailureRule[],
    unschedulable: UnschedulableRule[],
    private readonly engine: Engine,
    private readonly errors: Error[],
  ) {
    super(cluster, timing, failures, unschedulable);
  }

  get docker(): Dockerode {
    return this.engine.docker;
  }

  override tick(): void {
    if (this.closing) return;
    const pt = this.cluster.type('Pod');
    const seen = new Set<string>();
    for (const pod of this.cluster.store.list(pt)) {
      const uid = pod.metadata.uid ?? '';
      seen.add(uid);
      if (pod.metadata.deletionTimestamp) {
        this.terminate(uid, pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
        if (this.stopped.has(uid)) this.cluster.finalizeDeletion(pt, pod);
        continue;
      }
      if (!pod.spec?.nodeName) {
        this.schedule(pod, Date.now());
        continue;
      }
      if (!this.runs.has(uid)) {
        const run = new PodRun(this.host(), pod);
        this.runs.set(uid, run);
        this.starts.push(run.start().catch((e: unknown) => this.fail(e)));
        this.publish(run);
      }
    }
    // A pod deleted at once (grace 0, or force) is gone from the store: its containers go too.
    for (const uid of this.runs.keys()) if (!seen.has(uid)) this.terminate(uid, 0);
    for (const uid of this.stopped) if (!seen.has(uid) && !this.runs.has(uid)) this.stopped.delete(uid);
  }

  private fail(e: unknown): void {
    this.errors.push(e instanceof Error ? e : new Error(String(e)));
  }

  private terminate(uid: string, graceSeconds: number): void {
    if (this.stops.has(uid)) return;
    const run = this.runs.get(uid);
    // Grace is compressed like every other delay: podTerminationMs of wall time, rounded up to the engine's whole seconds.
    const t = Math.min(graceSeconds, Math.ceil(this.timing.podTerminationMs / 1000));
    this.stops.set(
      uid,
      (run ? run.stop(t) : Promise.resolve())
        .catch((e: unknown) => this.fail(e))
        .then(() => {
          this.runs.delete(uid);
          this.stops.delete(uid);
          this.stopped.add(uid);
        }),
    );
  }

  private host(): PodHost {
    return {
      engine: this.engine,
      timing: this.timing,
      hostIP: NODE_IP,
      lookup: (ns) => (kind, name) => this.cluster.store.get(this.cluster.type(kind), ns, name),
      event: (pod, type, reason, message, fieldPath) =>
        recordEvent(this.cluster, pod, type, reason, message, kubeletSource, fieldPath),
      changed: () => {
        for (const run of this.runs.values()) this.publish(run);
      },
    };
  }

  private publish(run: PodRun): void {
    if (run.stopping || this.closing) return;
    const pt = this.cluster.type('Pod');
    const pod = this.cluster.store.get(pt, run.pod.metadata.namespace, run.pod.metadata.name ?? '');
    if (!pod || pod.metadata.uid !== run.pod.metadata.uid || pod.metadata.deletionTimestamp) return;
    const status = JSON.parse(JSON.stringify(podStatus(pod, run, NODE_IP))) as Record<string, unknown>;
    const norm = (s: unknown) => JSON.parse(JSON.stringify(s ?? {})) as unknown;
    if (deepEqual(status, norm(pod.status))) return;
    const next = clone(pod);
    next.status = status;
    this.cluster.controllerWrite(pt, next);
  }

  private runOf(pod: KubeObject): PodRun {
    const run = this.runs.get(pod.metadata.uid ?? '');
    if (!run) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    return run;
  }

  container(pod: KubeObject, name: string, previous = false): { id: string; tty: boolean } {
    const run = this.runOf(pod);
    const c = [...run.containers, ...run.initContainers].find((x) => x.spec.name === name);
    if (!c) throw badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`);
    const id = run.containerId(name, previous);
    if (previous && !id)
      throw badRequest(`previous terminated container "${name}" in pod "${pod.metadata.name}" not found`);
    if (!id) {
      const reason = 'waiting' in c.state ? c.state.waiting.reason : 'ContainerCreating';
      throw badRequest(`container "${name}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
    }
    return { id, tty: c.spec.tty ?? false };
  }

  podIP(pod: KubeObject): string {
    const run = this.runOf(pod);
    if (!run.ip) throw badRequest(`pod ${pod.metadata.name} has no IP yet`);
    return run.ip;
  }

  /** Stop every pod and remove everything this server started on the engine. */
  async shutdown(): Promise<void> {
    this.closing = true;
    for (const run of this.runs.values()) run.stopping = true;
    await cleanupEngine(this.engine);
    await Promise.allSettled([...this.starts, ...this.stops.values()]);
    await cleanupEngine(this.engine);
  }
}
