// The one-off pod of `pctl run` on Kubernetes, built from the pod template a deploy of the
// service renders now (so its image, env, volumes, service account and pull secret are the
// Deployment's): secret env stays a `secretKeyRef` to the service's Secret (no value is
// ever written into the Pod), the command after `--` replaces the container's command as an
// argument array, it runs once (restartPolicy Never) with no probes, and it carries
// `pctl-run=<stack>-<service>` instead of `pctl-service`: the Service's selector (and the
// pods logs, exec, status and rollouts count) never take it for one of the replicas.
import { randomBytes } from 'node:crypto';
import { MANAGED_BY, PctlError, resourceName, serviceKey, STACK_LABEL } from '@pctl/core';
import { labelValue } from '../../objectNames.js';
import type { KubeObject } from '../../types.js';

/** The label naming the service a one-off pod was run for (its value: the service's label value). */
export const RUN_LABEL = 'pctl-run';

/** The labels of a service's one-off pods. */
export function runLabels(stack: string, service: string): Record<string, string> {
  return {
    [MANAGED_BY]: 'pctl',
    [STACK_LABEL]: labelValue(stack),
    [RUN_LABEL]: labelValue(serviceKey(stack, service)),
  };
}

/** The label selector of a service's one-off pods. */
export const runSelector = (stack: string, service: string): string =>
  Object.entries(runLabels(stack, service))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** Whether a pod carries this service's one-off labels (only such a pod is ever deleted). */
export function isRunPodOf(pod: KubeObject, stack: string, service: string): boolean {
  const labels = (pod.metadata.labels ?? {}) as Record<string, string>;
  return Object.entries(runLabels(stack, service)).every(([k, v]) => labels[k] === v);
}

/** `<stack>-<service>-run-<6 hex>`, a DNS-1123 label of at most 63 characters. */
export function runPodName(stack: string, service: string, suffix = randomBytes(3).toString('hex')): string {
  const base = resourceName(stack, service)
    .slice(0, 63 - `-run-${suffix}`.length)
    .replace(/-+$/, '');
  return `${base || 'pctl'}-run-${suffix}`;
}

interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec: { containers: Record<string, unknown>[]; [k: string]: unknown };
}

export interface RunPodOptions {
  stack: string;
  service: string;
  name: string;
  command?: string[];
  stdin: boolean;
  tty: boolean;
}

/** The Pod to create from the objects a deploy of the service renders (its Deployment's or Job's template). */
export function runPod(objects: KubeObject[], o: RunPodOptions): KubeObject {
  const workload = objects.find((x) => x.kind === 'Deployment' || x.kind === 'Job');
  const template = (workload?.spec as { template?: PodTemplate } | undefined)?.template;
  if (!workload || !template)
    throw new PctlError({
      code: 'BadUsage',
      message: `service ${o.service} renders no Deployment or Job to run a one-off from`,
      fault: 'user',
      exitCode: 2,
    });
  const [first, ...rest] = template.spec.containers;
  const container: Record<string, unknown> = { ...first };
  delete container.readinessProbe;
  delete container.livenessProbe;
  delete container.startupProbe;
  delete container.ports;
  if (o.command?.length) {
    container.command = [...o.command];
    delete container.args;
  }
  container.stdin = o.stdin;
  container.stdinOnce = o.stdin;
  container.tty = o.tty;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: workload.metadata.namespace,
      labels: runLabels(o.stack, o.service),
      annotations: { ...(template.metadata?.annotations ?? {}) },
    },
    spec: { ...template.spec, containers: [container, ...rest], restartPolicy: 'Never' },
  };
}
