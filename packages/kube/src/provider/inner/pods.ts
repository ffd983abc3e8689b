// The pods of one service as the inner-loop verbs (logs, exec, port-forward) see them: found
// by the service's labels in its namespace, oldest first (`--replica N` counts in that
// order), each with the container that runs the service's image.
import { dnsName, PctlError } from '@pctl/core';
import type { KubeClient } from '../../client.js';
import { serviceSelector } from '../../objectNames.js';

export interface ContainerStatusLike {
  name: string;
  ready?: boolean;
  restartCount?: number;
  containerID?: string;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number; finishedAt?: string };
  };
  lastState?: { terminated?: { exitCode?: number; finishedAt?: string } };
}

export interface Pod {
  metadata: { name: string; namespace?: string; uid?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string }[] };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: ContainerStatusLike[];
  };
}

/** Where one service's pods are: the client, their namespace and labels, the service named in messages. */
export interface ServicePods {
  client: KubeClient;
  namespace: string;
  /** The service's name in the stack file. */
  service: string;
  /** `pctl-stack=…,pctl-service=…`. */
  selector: string;
}

export function servicePods(client: KubeClient, stack: string, service: string, namespace: string): ServicePods {
  return { client, namespace, service, selector: serviceSelector(stack, service).split(',').slice(1).join(',') };
}

/** The container of a pod that runs the service (named after it), else the pod's first. */
export function serviceContainer(sp: ServicePods, pod: Pod): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const own = dnsName(sp.service);
  return names.includes(own) ? own : (names[0] ?? own);
}

export function containerStatus(sp: ServicePods, pod: Pod): ContainerStatusLike | undefined {
  const name = serviceContainer(sp, pod);
  return pod.status?.containerStatuses?.find((c) => c.name === name);
}

/** Whether the service's container of the pod runs now (and the pod is not being deleted). */
export const isRunning = (sp: ServicePods, pod: Pod): boolean =>
  !pod.metadata.deletionTimestamp &&
  pod.status?.phase === 'Running' &&
  Boolean(containerStatus(sp, pod)?.state?.running);

const isReady = (pod: Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Oldest first, then by name: the order `--replica N` counts in. */
export function byAge(a: Pod, b: Pod): number {
  const t = (p: Pod) => p.metadata.creationTimestamp ?? '';
  return t(a) < t(b) ? -1 : t(a) > t(b) ? 1 : a.metadata.name < b.metadata.name ? -1 : 1;
}

export async function listPods(sp: ServicePods): Promise<Pod[]> {
  return ((await sp.client.list('v1', 'Pod', sp.selector, sp.namespace)) as unknown as Pod[]).sort(byAge);
}

/** What a pod's service container is doing, for messages: `Running`, `CrashLoopBackOff`, `Terminating`. */
export function podState(sp: ServicePods, pod: Pod): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const s = containerStatus(sp, pod)?.state;
  return s?.waiting?.reason ?? s?.terminated?.reason ?? pod.status?.phase ?? 'Unknown';
}

/**
 * The pod to exec in or forward to: the `replica`-th (1-based, oldest first) when given,
 * else the first ready one (the first running one when none is ready).
 */
export async function pickPod(sp: ServicePods, replica?: number): Promise<Pod> {
  const all = (await listPods(sp)).filter((p) => !p.metadata.deletionTimestamp);
  if (replica !== undefined) {
    const pod = all[replica - 1];
    if (!pod)
      throw new PctlError({
        code: 'ReplicaNotFound',
        message: `service ${sp.service} has no replica ${replica} (pods in ${sp.namespace}: ${all.map((p, i) => `${i + 1} ${p.metadata.name}`).join(', ') || 'none'})`,
        fault: 'user',
        exitCode: 1,
        hint: 'replicas are numbered from 1, oldest pod first; pctl status shows the pods that run',
      });
    if (!isRunning(sp, pod))
      throw notRunning(sp, `replica ${replica} (pod ${pod.metadata.name}) is ${podState(sp, pod)}`);
    return pod;
  }
  const running = all.filter((p) => isRunning(sp, p));
  const pod = running.find(isReady) ?? running[0];
  if (!pod)
    throw notRunning(
      sp,
      all.length
        ? `its pods are ${[...new Set(all.map((p) => podState(sp, p)))].join(', ')}`
        : `it has no pod in namespace ${sp.namespace}`,
    );
  return pod;
}

export function notRunning(sp: ServicePods, why: string): PctlError {
  return new PctlError({
    code: 'NotRunning',
    message: `no running replica of service ${sp.service}: ${why}`,
    fault: 'environment',
    exitCode: 1,
    hint: 'pctl status shows what runs; pctl deploy starts it again',
  });
}

/** A path part of a URL (namespace and pod names are DNS names; encoded all the same). */
export const part = (s: string) => encodeURIComponent(s);
