// Waiting for a Deployment's rollout: done when the new pods are all available and the
// old ones gone; failed as soon as a pod waits for a reason that does not fix itself, at
// the progress deadline, or at pctl's own deadline, naming the pod and why.
import { PctlError, type Reporter } from '@pctl/core';
import type { KubeClient } from './client.js';
import type { KubeObject } from './types.js';

/** How a rollout is waited for. */
export interface RolloutOptions {
  reporter: Reporter;
  signal?: AbortSignal;
  /** Rollout deadline; the deploy fails when it passes. */
  rolloutTimeoutMs: number;
  pollMs?: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}
export interface DeploymentLike extends KubeObject {
  metadata: KubeObject['metadata'] & { generation?: number };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

// Waiting reasons that will not fix themselves: fail at once instead of at the deadline.
const HOPELESS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'ErrImageNeverPull',
]);

/** Waits until the Deployment's new pods are all available and old ones are gone. */
export async function waitRollout(
  client: KubeClient,
  key: string,
  name: string,
  namespace: string,
  opts: RolloutOptions,
): Promise<void> {
  const deadline = Date.now() + opts.rolloutTimeoutMs;
  const poll = opts.pollMs ?? 250;
  let hopelessSince: number | undefined;
  for (;;) {
    const d = await client.read<DeploymentLike>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
    });
    if (!d)
      throw new PctlError({
        code: 'KubeNotFound',
        message: `${key}: deployment ${namespace}/${name} vanished during the rollout`,
        fault: 'environment',
        exitCode: 1,
      });
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const current = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
    if (current && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want && (s.replicas ?? 0) <= want)
      return;
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    // Until the controller has seen this generation, the condition and the pods are the last rollout's.
    const deadlineExceeded = current && progressing?.reason === 'ProgressDeadlineExceeded';
    const problem = current ? await podProblem(client, d, namespace) : undefined;
    if (problem?.hopeless) hopelessSince ??= Date.now();
    else hopelessSince = undefined;
    // A back-off seen twice, a second apart, is not a blip.
    const giveUp =
      deadlineExceeded || Date.now() > deadline || (hopelessSince !== undefined && Date.now() - hopelessSince >= 1000);
    if (giveUp || opts.signal?.aborted) {
      const why =
        problem?.text ??
        (deadlineExceeded
          ? (progressing?.message ?? 'progress deadline exceeded')
          : `${s.availableReplicas ?? 0}/${want} available`);
      throw new PctlError({
        code: 'RolloutFailed',
        exitCode: 1,
        message: `${key}: rollout of deployment ${namespace}/${name} failed: ${why}`,
        fault: 'environment',
        hint: problem?.hopeless
          ? 'fix the image or the command and deploy again'
          : 'raise provider.options.rolloutTimeout (seconds), or look at the pod events',
        detail: problem?.events,
      });
    }
    await sleep(poll, opts.signal);
  }
}

async function podProblem(
  client: KubeClient,
  d: DeploymentLike,
  namespace: string,
): Promise<{ text: string; hopeless: boolean; events?: string } | undefined> {
  const match = d.spec?.selector?.matchLabels ?? {};
  const selector = Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  // Only the pods of the newest ReplicaSet: those of a previous (failed) rollout keep failing
  // until the new ones are available, and are not this rollout's problem.
  const revision = (o: KubeObject) => Number(o.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const owned = (await client.list('apps/v1', 'ReplicaSet', selector, namespace)).filter((rs) =>
    ((rs.metadata.ownerReferences ?? []) as { uid?: string }[]).some(
      (r) => r.uid === (d.metadata as { uid?: string }).uid,
    ),
  );
  const hash = owned.sort((a, b) => revision(b) - revision(a))[0]?.metadata.labels?.['pod-template-hash'];
  const pods = (await client.list(
    'v1',
    'Pod',
    hash ? `${selector},pod-template-hash=${hash}` : selector,
    namespace,
  )) as unknown as PodLike[];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const waiting = pod.status?.containerStatuses?.find(
      (c) => c.state?.waiting?.reason && c.state.waiting.reason !== 'ContainerCreating',
    );
    const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (!waiting && !unschedulable) continue;
    const events = await podEvents(client, namespace, pod.metadata.name);
    if (waiting) {
      const w = waiting.state!.waiting!;
      const restarts = waiting.restartCount ? `, ${waiting.restartCount} restarts` : '';
      const last = events.at(-1);
      return {
        text: `pod ${pod.metadata.name} ${w.reason}${restarts}${w.message ? `: ${w.message}` : ''}${last && !w.message ? ` (${last})` : ''}`,
        hopeless: HOPELESS.has(w.reason!),
        events: events.join('\n') || undefined,
      };
    }
    return {
      text: `pod ${pod.metadata.name} ${unschedulable!.reason ?? 'Unschedulable'}: ${unschedulable!.message ?? ''}`.trim(),
      hopeless: false,
      events: events.join('\n') || undefined,
    };
  }
  return undefined;
}

async function podEvents(client: KubeClient, namespace: string, pod: string): Promise<string[]> {
  const list = (await client.list('v1', 'Event', '', namespace)) as unknown as {
    involvedObject?: { name?: string };
    type?: string;
    reason?: string;
    message?: string;
    lastTimestamp?: string;
    metadata: { creationTimestamp?: string };
  }[];
  return list
    .filter((e) => e.involvedObject?.name === pod)
    .sort((a, b) =>
      String(a.lastTimestamp ?? a.metadata.creationTimestamp).localeCompare(
        String(b.lastTimestamp ?? b.metadata.creationTimestamp),
      ),
    )
    .slice(-5)
    .map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim());
}
