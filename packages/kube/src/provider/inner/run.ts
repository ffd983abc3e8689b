// `pctl run` on Kubernetes: the one-off pod (see runPod.ts) is created, waited for until its
// container runs, then attached to over the same channel WebSocket as exec (pods/attach:
// stdin up, stdout and stderr down byte for byte, `-t` a terminal); its exit code comes from
// the pod's status once the container terminated. A pod that cannot start (its image cannot
// be pulled, it cannot be scheduled, its Secret is missing) is one error line. The pod is
// deleted after in every case (also on Ctrl-C), and only while it still carries this
// service's one-off labels.
import { PctlError, type RunOutcome, type RunParams } from '@pctl/core';
import type { KubeClient } from '../../client.js';
import type { KubeObject } from '../../types.js';
import { channelStreams } from './exec.js';
import { part, type ContainerStatusLike, type Pod } from './pods.js';
import { streamGet } from './request.js';
import { isRunPodOf } from './runPod.js';

/** Waiting reasons that mean the container will not start without a change. */
const CANNOT_START = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type RunPodStatus = Pod & { status?: { conditions?: Condition[] } };

export interface KubeRunTarget {
  client: KubeClient;
  stack: string;
  service: string;
  pod: KubeObject;
  pollMs?: number;
}

export async function kubeRun(t: KubeRunTarget, p: RunParams): Promise<RunOutcome> {
  const { client } = t;
  const name = t.pod.metadata.name;
  const namespace = t.pod.metadata.namespace!;
  const ref = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } };
  const where = `pod ${namespace}/${name}`;
  await client.create(t.pod);
  try {
    let started = await waitStarted(t, ref, p.signal);
    if (p.signal.aborted) return { name, exitCode: 130 };
    const container = (t.pod.spec as { containers: { name: string }[] }).containers[0]!.name;
    let attached = 0;
    if (started === 'running') {
      const tty = Boolean(p.tty);
      const q = new URLSearchParams({
        container,
        stdin: String(Boolean(p.stdin)),
        stdout: 'true',
        stderr: String(!tty),
        tty: String(tty),
      });
      // Counts what came through the attach (nothing: it may have come too late, see below).
      const counted = (to: NodeJS.WritableStream) =>
        ({
          write: (b: Buffer) => {
            attached += b.length;
            return to.write(b);
          },
          once: (event: string, listener: () => void) => to.once(event, listener),
        }) as unknown as NodeJS.WritableStream;
      try {
        await channelStreams(
          client,
          `/api/v1/namespaces/${part(namespace)}/pods/${part(name)}/attach?${q}`,
          `attaching to ${where}`,
          { ...p, stdout: counted(p.stdout), stderr: counted(p.stderr) },
        );
      } catch (e) {
        // Refused because it finished between the look and the attach: its output is in its log.
        if (statusOf(await client.read<RunPodStatus & KubeObject>(ref))?.state?.terminated === undefined) throw e;
        started = 'ended';
      }
    }
    if (p.signal.aborted) return { name, exitCode: 130 };
    const code = await exitCode(t, ref, p.signal);
    // Attach streams from the moment it connects (as on every cluster): a command that wrote
    // everything and ended before that left its output in its log only (stdout and stderr
    // as one stream there).
    if (started === 'ended' || attached === 0) await copyLog(client, namespace, name, container, p);
    if (p.signal.aborted) return { name, exitCode: 130 };
    return { name, exitCode: code };
  } finally {
    await removeRunPod(client, ref, t.stack, t.service);
  }
}

// The container ran to its end before pctl could attach: its log (stdout and stderr, one stream, as the kubelet keeps it).
async function copyLog(client: KubeClient, ns: string, name: string, container: string, p: RunParams): Promise<void> {
  const res = await streamGet(
    client,
    `/api/v1/namespaces/${part(ns)}/pods/${part(name)}/log?container=${part(container)}`,
    `reading the log of pod ${ns}/${name}`,
    p.signal,
  );
  for await (const chunk of res) p.stdout.write(chunk as Buffer);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

const statusOf = (pod: RunPodStatus | undefined): ContainerStatusLike | undefined =>
  pod?.status?.containerStatuses?.[0];

// Until the container runs ('running') or already ended ('ended'); a pod that cannot start is an error.
async function waitStarted(
  t: KubeRunTarget,
  ref: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } },
  signal: AbortSignal,
): Promise<'running' | 'ended'> {
  const where = `the one-off pod ${ref.metadata.namespace}/${ref.metadata.name} of service ${t.service}`;
  for (;;) {
    if (signal.aborted) return 'ended';
    const pod = await t.client.read<RunPodStatus & KubeObject>(ref);
    if (!pod) throw cannotStart(`${where} was deleted before it started`);
    const cs = statusOf(pod);
    if (cs?.state?.running) return 'running';
    if (cs?.state?.terminated || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 'ended';
    const waiting = cs?.state?.waiting;
    if (waiting?.reason && CANNOT_START.has(waiting.reason))
      throw cannotStart(`${where} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`);
    const unschedulable = (pod.status?.conditions as Condition[] | undefined)?.find(
      (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
    );
    if (unschedulable)
      throw cannotStart(`${where} cannot be scheduled${unschedulable.message ? `: ${unschedulable.message}` : ''}`);
    await sleep(t.pollMs ?? 200, signal);
  }
}

// The container's exit code once the pod's status says it terminated (a moment after its output ended).
async function exitCode(
  t: KubeRunTarget,
  ref: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } },
  signal: AbortSignal,
): Promise<number> {
  for (;;) {
    const pod = await t.client.read<RunPodStatus & KubeObject>(ref);
    const code = statusOf(pod)?.state?.terminated?.exitCode;
    if (typeof code === 'number') return code;
    if (!pod) throw cannotStart(`the one-off pod ${ref.metadata.namespace}/${ref.metadata.name} went before it ended`);
    if (signal.aborted) return 130;
    await sleep(t.pollMs ?? 200, signal);
  }
}

function cannotStart(message: string): PctlError {
  return new PctlError({
    code: 'NotRunning',
    message,
    fault: 'environment',
    exitCode: 1,
    hint: 'check the image (pctl build, pctl deploy) and the cluster (kubectl describe pod); the pod was removed',
  });
}

/** Deletes a one-off pod at once, but only while it carries this service's one-off labels. */
export async function removeRunPod(
  client: KubeClient,
  ref: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } },
  stack: string,
  service: string,
): Promise<void> {
  const pod = await client.read<KubeObject>(ref);
  if (!pod || !isRunPodOf(pod, stack, service)) return;
  // A one-off has nothing to shut down gracefully for: it goes now.
  await client.delete(ref, 'Background', 0);
}
