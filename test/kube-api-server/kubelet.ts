// A simulated scheduler and kubelet: pods get a node, pull images, run and become Ready, or fail as told.
import { createHash } from 'node:crypto';
import { rfc3339, type Cluster } from './cluster.js';
import { recordEvent } from './events.js';
import { clone, deepEqual } from './jsonValue.js';
import type { KubeObject } from './store.js';
import type { Timing } from './timing.js';

export type PodFailureReason = 'ErrImagePull' | 'ImagePullBackOff' | 'CrashLoopBackOff';

export interface FailureRule {
  image: string;
  reason: PodFailureReason;
}

export interface UnschedulableRule {
  /** Pods whose name starts with this, or whose labels include all of these. */
  match: string | Record<string, string>;
  message: string;
}

export const NODE_NAME = 'kube-node-1';
export const NODE_IP = '172.18.0.2';
export const kubeletSource = { component: 'kubelet', host: NODE_NAME };
const scheduler = { component: 'default-scheduler' };

interface PodState {
  scheduledAt: number;
  startedAt?: number;
  lastBackOff: number;
  restarts: number;
  ip: string;
  announced: Set<string>;
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export class Kubelet {
  private pods = new Map<string, PodState>();
  private nextIp = 2;
  protected lastSchedulingEvent = new Map<string, number>();

  constructor(
    protected readonly cluster: Cluster,
    protected readonly timing: Timing,
    private readonly failures: FailureRule[],
    private readonly unschedulable: UnschedulableRule[],
  ) {}

  tick(): void {
    const pt = this.cluster.type('Pod');
    const now = Date.now();
    const seen = new Set<string>();
    for (const pod of this.cluster.store.list(pt)) {
      const uid = pod.metadata.uid ?? '';
      seen.add(uid);
      if (pod.metadata.deletionTimestamp) {
        const due = this.cluster.podTerminations.get(uid);
        if (due !== undefined && now >= due) this.cluster.finalizeDeletion(pt, pod);
        continue;
      }
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      if (!pod.spec?.nodeName) {
        this.schedule(pod, now);
        continue;
      }
      const st = this.state(pod, now);
      if (now - st.scheduledAt >= this.timing.podStartMs) this.run(pod, st, now);
    }
    for (const uid of this.pods.keys()) if (!seen.has(uid)) this.pods.delete(uid);
  }

  private state(pod: KubeObject, now: number): PodState {
    const uid = pod.metadata.uid ?? '';
    let st = this.pods.get(uid);
    if (!st) {
      st = {
        scheduledAt: now,
        lastBackOff: 0,
        restarts: 0,
        ip: `10.244.0.${(this.nextIp++ % 250) + 2}`,
        announced: new Set(),
      };
      this.pods.set(uid, st);
    }
    return st;
  }

  private once(st: PodState, key: string, fn: () => void): void {
    if (st.announced.has(key)) return;
    st.announced.add(key);
    fn();
  }

  /** Bind a pod to the node (or keep it Pending as an unschedulable rule says). */
  protected schedule(pod: KubeObject, now: number): void {
    const pt = this.cluster.type('Pod');
    const rule = this.unschedulable.find((r) =>
      typeof r.match === 'string'
        ? (pod.metadata.name ?? '').startsWith(r.match)
        : Object.entries(r.match).every(([k, v]) => pod.metadata.labels?.[k] === v),
    );
    if (rule) {
      const next = clone(pod);
      next.status = {
        ...next.status,
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            lastProbeTime: null,
            lastTransitionTime: rfc3339(),
            reason: 'Unschedulable',
            message: rule.message,
          },
        ],
      };
      if (
        !deepEqual(
          next.status?.conditions?.map((c: object) => ({ ...c, lastTransitionTime: 0 })),
          pod.status?.conditions?.map((c: object) => ({ ...c, lastTransitionTime: 0 })),
        )
      ) {
        this.cluster.controllerWrite(pt, next);
      }
      const last = this.lastSchedulingEvent.get(pod.metadata.uid ?? '') ?? 0;
      if (now - last >= this.timing.backOffMs) {
        this.lastSchedulingEvent.set(pod.metadata.uid ?? '', now);
        recordEvent(this.cluster, pod, 'Warning', 'FailedScheduling', rule.message, scheduler);
      }
      return;
    }
    const next = clone(pod);
    next.spec = { ...next.spec, nodeName: NODE_NAME };
    next.status = {
      ...next.status,
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339() }],
    };
    this.onScheduled(pod, now);
    this.cluster.controllerWrite(pt, next);
    recordEvent(
      this.cluster,
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${NODE_NAME}`,
      scheduler,
    );
  }

  protected onScheduled(pod: KubeObject, now: number): void {
    this.state(pod, now).scheduledAt = now;
  }

  private run(pod: KubeObject, st: PodState, now: number): void {
    const pt = this.cluster.type('Pod');
    const ownerKind = (pod.metadata.ownerReferences ?? []).find((r) => r.controller)?.kind;
    const runsToCompletion = ownerKind === 'Job' || pod.spec?.restartPolicy === 'Never';
    const backOffDue = now - st.lastBackOff >= this.timing.backOffMs;
    if (backOffDue) st.lastBackOff = now;
    st.startedAt ??= now;
    const started = rfc3339(st.startedAt);
    const statuses: Record<string, unknown>[] = [];
    let allReady = true;
    let pulling = false;
    let failedPermanently = false;
    let anyCrashing = false;
    for (const c of (pod.spec?.containers ?? []) as { name: string; image: string }[]) {
      const rule = this.failures.find((f) => c.image?.includes(f.image));
      const fieldPath = `spec.containers{${c.name}}`;
      const imageID = `docker.io/library/${c.image}@sha256:${digest(c.image)}`;
      const containerID = `containerd://${digest(`${pod.metadata.uid}/${c.name}/${st.restarts}`)}`;
      const base = {
        name: c.name,
        image: c.image,
        imageID: '',
        restartCount: st.restarts,
        started: false,
        ready: false,
      };
      if (rule && rule.reason !== 'CrashLoopBackOff') {
        pulling = true;
        allReady = false;
        const pullMsg = `rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/${c.image}": failed to resolve reference "docker.io/library/${c.image}": docker.io/library/${c.image}: not found`;
        statuses.push({
          ...base,
          state: {
            waiting:
              rule.reason === 'ErrImagePull'
                ? { reason: 'ErrImagePull', message: pullMsg }
                : {
                    reason: 'ImagePullBackOff',
                    message: `Back-off pulling image "${c.image}": ErrImagePull: ${pullMsg}`,
                  },
          },
          lastState: {},
        });
        if (backOffDue) {
          recordEvent(this.cluster, pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, kubeletSource, fieldPath);
          recordEvent(
            this.cluster,
            pod,
            'Warning',
            'Failed',
            `Failed to pull image "${c.image}": ${pullMsg}`,
            kubeletSource,
            fieldPath,
          );
          recordEvent(this.cluster, pod, 'Warning', 'Failed', 'Error: ErrImagePull', kubeletSource, fieldPath);
          recordEvent(
            this.cluster,
            pod,
            'Normal',
            'BackOff',
            `Back-off pulling image "${c.image}"`,
            kubeletSource,
            fieldPath,
          );
          recordEvent(this.cluster, pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', kubeletSource, fieldPath);
        }
        continue;
      }
      this.once(st, `pulled/${c.name}`, () => {
        recordEvent(this.cluster, pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, kubeletSource, fieldPath);
        recordEvent(
          this.cluster,
          pod,
          'Normal',
          'Pulled',
          `Successfully pulled image "${c.image}" in 120ms (120ms including waiting). Image size: 4194304 bytes.`,
          kubeletSource,
          fieldPath,
        );
        recordEvent(this.cluster, pod, 'Normal', 'Created', `Created container: ${c.name}`, kubeletSource, fieldPath);
        recordEvent(this.cluster, pod, 'Normal', 'Started', `Started container ${c.name}`, kubeletSource, fieldPath);
      });
      if (rule?.reason === 'CrashLoopBackOff') {
        allReady = false;
        anyCrashing = true;
        if (runsToCompletion && pod.spec?.restartPolicy === 'Never') {
          failedPermanently = true;
          statuses.push({
            ...base,
            imageID,
            containerID,
            state: {
              terminated: { exitCode: 1, reason: 'Error', startedAt: started, finishedAt: rfc3339(now), containerID },
            },
            lastState: {},
          });
          continue;
        }
        if (backOffDue) {
          st.restarts++;
          recordEvent(
            this.cluster,
            pod,
            'Warning',
            'BackOff',
            `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
            kubeletSource,
            fieldPath,
          );
        }
        statuses.push({
          ...base,
          imageID,
          containerID,
          restartCount: st.restarts,
          state: {
            waiting: {
              reason: 'CrashLoopBackOff',
              message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
            },
          },
          lastState: {
            terminated: { exitCode: 1, reason: 'Error', startedAt: started, finishedAt: started, containerID },
          },
        });
        continue;
      }
      statuses.push({
        ...base,
        imageID,
        containerID,
        started: true,
        ready: true,
        state: { running: { startedAt: started } },
        lastState: {},
      });
    }
    const completed = runsToCompletion && !pulling && !anyCrashing && now - st.startedAt >= this.timing.jobRunMs;
    let phase = pulling ? 'Pending' : 'Running';
    if (completed) phase = 'Succeeded';
    if (failedPermanently) phase = 'Failed';
    const ts = rfc3339(now);
    const keep = (type: string, status: string): Record<string, unknown> => {
      const old = (pod.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
      return {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: old && old.status === status ? old.lastTransitionTime : ts,
      };
    };
    const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
    const ready = allReady && !completed && !failedPermanently;
    const why = (c: Record<string, unknown>): Record<string, unknown> =>
      ready
        ? c
        : {
            ...c,
            reason: completed ? 'PodCompleted' : 'ContainersNotReady',
            message: completed ? undefined : `containers with unready status: [${notReady.join(' ')}]`,
          };
    if (completed) {
      // A container that ran to completion is neither started nor ready any more, as the kubelet reports it.
      for (const s of statuses)
        Object.assign(s, {
          ready: false,
          started: false,
          state: {
            terminated: {
              exitCode: 0,
              reason: 'Completed',
              startedAt: started,
              finishedAt: ts,
              containerID: s.containerID,
            },
          },
        });
    }
    const status: Record<string, unknown> = {
      phase,
      conditions: [
        keep('PodReadyToStartContainers', 'True'),
        keep('Initialized', 'True'),
        why(keep('Ready', ready ? 'True' : 'False')),
        why(keep('ContainersReady', ready ? 'True' : 'False')),
        keep('PodScheduled', 'True'),
      ],
      hostIP: NODE_IP,
      hostIPs: [{ ip: NODE_IP }],
      podIP: st.ip,
      podIPs: [{ ip: st.ip }],
      startTime: pod.status?.startTime ?? started,
      containerStatuses: statuses,
      qosClass: pod.status?.qosClass ?? 'BestEffort',
    };
    const norm = (s: unknown): unknown => JSON.parse(JSON.stringify(s ?? {}));
    if (!deepEqual(norm(status), norm(pod.status))) {
      const next = clone(pod);
      next.status = norm(status) as Record<string, unknown>;
      this.cluster.controllerWrite(pt, next);
    }
  }
}
