// A pod's status as the kubelet reports it, from what its containers on the engine are doing.
import { rfc3339 } from '../cluster.js';
import type { KubeObject } from '../store.js';
import type { ContainerRun } from './containerRun.js';
import type { PodRun } from './podRun.js';

function containerStatus(c: ContainerRun): Record<string, unknown> {
  return {
    name: c.spec.name,
    image: c.spec.image,
    imageID: c.imageID,
    ...(c.id ? { containerID: `docker://${c.id}` } : {}),
    ready: c.ready,
    started: c.started && 'running' in c.state,
    restartCount: c.restarts,
    state: c.state,
    lastState: c.lastState ? { terminated: c.lastState } : {},
  };
}

function phaseOf(run: PodRun): string {
  const cs = run.containers;
  const failedInit =
    run.initContainers.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0) &&
    run.restartPolicy === 'Never';
  if (failedInit) return 'Failed';
  if (!run.initialized) return 'Pending';
  const ran = cs.filter((c) => c.id !== undefined || c.restarts > 0);
  if (ran.length === 0) return 'Pending';
  const terminated = cs.filter((c) => 'terminated' in c.state);
  if (terminated.length === cs.length && run.restartPolicy !== 'Always') {
    const failed = terminated.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
    if (!failed) return 'Succeeded';
    if (run.restartPolicy === 'Never') return 'Failed';
  }
  return 'Running';
}

/** The status to store for `pod`, keeping transition times of conditions that did not change. */
export function podStatus(pod: KubeObject, run: PodRun, hostIP: string): Record<string, unknown> {
  const phase = phaseOf(run);
  const ts = rfc3339();
  const keep = (type: string, status: string, reason?: string, message?: string): Record<string, unknown> => {
    const old = (pod.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: old && old.status === status ? old.lastTransitionTime : ts,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  };
  const done = phase === 'Succeeded' || phase === 'Failed';
  const notReady = run.containers.filter((c) => !c.ready).map((c) => c.spec.name);
  const ready = !done && run.initialized && notReady.length === 0;
  const why = done ? 'PodCompleted' : 'ContainersNotReady';
  const msg = done ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const pendingInit = run.initContainers
    .filter((c) => !('terminated' in c.state && c.state.terminated.exitCode === 0))
    .map((c) => c.spec.name);
  return {
    phase,
    conditions: [
      keep('PodReadyToStartContainers', run.sandboxId ? 'True' : 'False'),
      run.initialized || pendingInit.length === 0
        ? keep('Initialized', 'True')
        : keep(
            'Initialized',
            'False',
            'ContainersNotInitialized',
            `containers with incomplete status: [${pendingInit.join(' ')}]`,
          ),
      ready ? keep('Ready', 'True') : keep('Ready', 'False', why, msg),
      ready ? keep('ContainersReady', 'True') : keep('ContainersReady', 'False', why, msg),
      keep('PodScheduled', 'True'),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(run.ip ? { podIP: run.ip, podIPs: [{ ip: run.ip }] } : {}),
    startTime: pod.status?.startTime ?? ts,
    ...(run.initContainers.length ? { initContainerStatuses: run.initContainers.map(containerStatus) } : {}),
    containerStatuses: run.containers.map(containerStatus),
    qosClass: pod.status?.qosClass ?? 'BestEffort',
  };
}
