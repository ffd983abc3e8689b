// Adopting a Deployment the original pctl left running, cluster side: it is kept (its pods
// not rolled) only when it is the service's, rolled out and available, and applying what
// pctl renders for the service — with the image the Deployment runs, once proven to be the
// image pctl builds — leaves its pod template as it is. The API server says so itself: a
// dry-run server-side apply of pctl's Deployment, compared with the live one.
import { isDeepStrictEqual } from 'node:util';
import { serviceKey } from '@pctl/core';
import { describeObject, type KubeClient } from './client.js';
import { kubeLabels, serviceObjectNames } from './objectNames.js';
import type { DeploymentLike } from './rollout.js';
import type { KubeObject } from './types.js';

type LiveDeployment = DeploymentLike &
  KubeObject & {
    spec?: DeploymentLike['spec'] & { template?: { spec?: { containers?: { image?: string }[] } } };
    status?: DeploymentLike['status'] & { updatedReplicas?: number; unavailableReplicas?: number; replicas?: number };
  };

/** The service's Deployment as it runs, with the image it runs; or why it cannot be kept. */
export async function liveDeployment(
  client: KubeClient,
  stack: string,
  service: string,
  namespace: string,
): Promise<{ why: string } | { deployment: LiveDeployment; image: string }> {
  const name = serviceObjectNames(stack, service).workload;
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace } };
  const d = await client.read<LiveDeployment>(ref);
  const what = describeObject(ref);
  if (!d) return { why: `no ${what} exists` };
  const labels = d.metadata.labels ?? {};
  const wrong = Object.entries(kubeLabels(stack, service)).filter(([k, v]) => labels[k] !== v);
  if (wrong.length)
    return {
      why: `${what} is not labelled as ${serviceKey(stack, service)}'s (${wrong.map(([k]) => `${k}=${labels[k] ?? '(none)'}`).join(', ')})`,
    };
  if (d.metadata.deletionTimestamp) return { why: `${what} is being deleted` };
  const containers = d.spec?.template?.spec?.containers ?? [];
  if (containers.length !== 1 || !containers[0]?.image)
    return { why: `${what} runs ${containers.length} containers; pctl runs one` };
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? s.replicas ?? 1;
  const rolledOut =
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
    (s.updatedReplicas ?? 0) >= want &&
    (s.availableReplicas ?? 0) >= want &&
    !s.unavailableReplicas;
  if (!rolledOut)
    return {
      why: `${what} is not rolled out (${s.availableReplicas ?? 0}/${want} available, ${s.updatedReplicas ?? 0} updated)`,
    };
  return { deployment: d, image: containers[0].image };
}

// The first path at which two JSON values differ (`spec.template.spec.containers[0].env`).
export function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
  }
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isMap(a) && isMap(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference(a[k], b[k], at ? `${at}.${k}` : k);
      if (d) return d;
    }
  }
  return at || '(the whole object)';
}

/**
 * Why applying pctl's Deployment (`rendered`, already with the image the live one runs)
 * would roll the live one's pods; undefined when the server says its pod template stays as
 * it is (other changes, such as pctl's annotations, roll nothing).
 */
export async function templateChange(
  client: KubeClient,
  rendered: KubeObject,
  live: LiveDeployment,
): Promise<string | undefined> {
  let after: LiveDeployment;
  try {
    after = (await client.apply(rendered, { dryRun: true })) as LiveDeployment;
  } catch (e) {
    return `applying pctl's ${describeObject(rendered)} would fail (${(e as Error).message})`;
  }
  const before = live.spec?.template;
  const now = after.spec?.template;
  const at = firstDifference(before, now, 'spec.template');
  return at ? `applying pctl's ${describeObject(rendered)} changes ${at}, which rolls its pods` : undefined;
}
