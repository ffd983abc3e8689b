// A `kind: job` service on Kubernetes: a batch/v1 Job (one pod, no retry, the job's timeout
// as activeDeadlineSeconds). A Job's pod template cannot change, so the last run's Job (and
// its pods) is deleted before the new one is applied; the deploy then waits until the Job
// completes, or fails with the pod's exit code and last log lines, or names the timeout.
import { Events, lastLines, MANAGED_BY, PctlError, SERVICE_LABEL, STACK_LABEL, type Reporter } from '@pctl/core';
import { loadKubeSdk, type KubeClient } from './client.js';
import { waitGone } from './removal.js';
import { sleep, type PodLike } from './rollout.js';
import type { KubeObject } from './types.js';

export interface JobWaitOptions {
  reporter: Reporter;
  signal?: AbortSignal;
  pollMs?: number;
}

interface JobLike extends KubeObject {
  spec?: { activeDeadlineSeconds?: number };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

// Reasons a job's pod waits for that do not fix themselves.
const HOPELESS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError']);

// Deletes the previous run's Job (its pods with it) and waits until it is gone.
export async function removePreviousJob(client: KubeClient, job: KubeObject, key: string, o: JobWaitOptions) {
  const ref = {
    apiVersion: job.apiVersion,
    kind: job.kind,
    metadata: { name: job.metadata.name, namespace: job.metadata.namespace },
  };
  const live = await client.read(ref);
  if (!live) return;
  // Only this service's own Job is deleted: a same-named Job pctl did not make is left alone.
  const mine = job.metadata.labels ?? {};
  const theirs = live.metadata.labels ?? {};
  if ([MANAGED_BY, STACK_LABEL, SERVICE_LABEL].some((l) => theirs[l] !== mine[l]))
    throw new PctlError({
      code: 'ObjectNotOwned',
      exitCode: 1,
      fault: 'user',
      message: `${key}: Job ${job.metadata.namespace}/${job.metadata.name} exists and is not this service's (no pctl labels of it): pctl does not delete it`,
      hint: 'remove or rename that Job yourself, or deploy the job service to another namespace',
    });
  if (await client.delete(ref, 'Foreground')) await waitGone(client, [ref], key, o);
}

// Waits until the Job completes; throws JobFailed (its last log lines as detail) or JobTimeout.
export async function waitJob(
  client: KubeClient,
  key: string,
  job: KubeObject,
  timeoutSeconds: number,
  o: JobWaitOptions,
): Promise<void> {
  const { name, namespace = 'default' } = job.metadata;
  o.reporter.info(`running job ${namespace}/${name}`, key, Events.JobStarted, { timeoutSeconds });
  // The cluster stops it at activeDeadlineSeconds; pctl's own deadline a little later, should it not.
  const deadline = Date.now() + timeoutSeconds * 1000 + 30_000;
  let hopelessSince: number | undefined;
  for (;;) {
    const j = await client.read<JobLike>({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace } });
    if (!j)
      throw new PctlError({
        code: 'KubeNotFound',
        exitCode: 1,
        fault: 'environment',
        message: `${key}: job ${namespace}/${name} vanished while it ran`,
      });
    const conditions = (j.status?.conditions ?? []).filter((c) => c.status === 'True');
    if (conditions.some((c) => c.type === 'Complete')) return;
    const failed = conditions.find((c) => c.type === 'Failed');
    const pods = (await client.list('v1', 'Pod', `job-name=${name}`, namespace)) as unknown as PodLike[];
    const waiting = pods
      .flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => ({ pod: p.metadata.name, w: c.state?.waiting })))
      .find((x) => x.w?.reason && HOPELESS.has(x.w.reason));
    hopelessSince = waiting ? (hopelessSince ?? Date.now()) : undefined;
    const timedOut = failed?.reason === 'DeadlineExceeded' || Date.now() > deadline;
    if (failed || timedOut || (hopelessSince !== undefined && Date.now() - hopelessSince >= 1000)) {
      const pod = pods.at(-1);
      const tail = pod ? await podLogTail(client, namespace, pod.metadata.name) : '';
      const detail = pod
        ? tail
          ? `last log lines of pod ${pod.metadata.name}:\n${lastLines(tail, 20)}`
          : `pod ${pod.metadata.name} wrote no log lines`
        : undefined;
      if (timedOut) {
        if (!failed) await client.delete({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace } });
        throw new PctlError({
          code: 'JobTimeout',
          exitCode: 1,
          fault: 'user',
          message: `${key}: job did not finish within its timeout (${timeoutSeconds}s): stopped`,
          hint: `raise services.<service>.timeout, or see kubectl logs -n ${namespace} job/${name}`,
          detail,
        });
      }
      const code = pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
      const why = waiting
        ? `pod ${waiting.pod} ${waiting.w!.reason}${waiting.w!.message ? `: ${waiting.w!.message}` : ''}`
        : code !== undefined
          ? `exited with code ${code}`
          : (failed?.message ?? failed?.reason ?? 'failed');
      throw new PctlError({
        code: 'JobFailed',
        exitCode: 1,
        fault: 'user',
        message: `${key}: job ${why}${tail ? `: ${lastLines(tail, 1)}` : ''}`,
        hint: `see kubectl logs -n ${namespace} job/${name}`,
        detail,
      });
    }
    if (o.signal?.aborted)
      throw new PctlError({
        code: 'Interrupted',
        exitCode: 130,
        fault: 'user',
        message: `${key}: interrupted while the job ran`,
      });
    await sleep(o.pollMs ?? 250, o.signal);
  }
}

// The last lines a pod's container wrote (pods/log), or '' when the cluster has none to give.
async function podLogTail(client: KubeClient, namespace: string, pod: string): Promise<string> {
  try {
    const sdk = await loadKubeSdk();
    const core = client.kc.makeApiClient(sdk.CoreV1Api);
    return String(await core.readNamespacedPodLog({ name: pod, namespace, tailLines: 20 })).trim();
  } catch {
    // The logs only explain the failure: without them it is still reported.
    return '';
  }
}
