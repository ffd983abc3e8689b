// The shared Kubernetes deployer: applies what render.ts makes with server-side apply,
// waits for the rollout (a failed one fails the deploy, naming the pod and why), deletes
// what the service no longer has (found by label, so a namespace move or a crash in the
// middle leaves nothing behind), and destroys a service, waiting until it is gone.
import { MANAGED_BY, PctlError, SERVICE_LABEL, STACK_LABEL, serviceKey, type Reporter } from '@pctl/core';
import { describeObject, kubeError, type KubeClient } from './client.js';
import { isNamespaced } from './manifests.js';
import { renderService } from './render.js';
import type { KubeObject, KubeStateExtras, RenderInput } from './types.js';

/** The kinds pctl makes itself; raw manifests may add others (recorded in state). */
export const MANAGED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'PersistentVolume' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
];

export interface DeployOptions {
  reporter: Reporter;
  signal?: AbortSignal;
  /** Rollout deadline; the deploy fails when it passes. */
  rolloutTimeoutMs: number;
  /** What the last deploy of this service recorded (for extra kinds and namespace ownership). */
  previous?: Partial<KubeStateExtras>;
  pollMs?: number;
}

const ref = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const parseRef = (r: string) => {
  const parts = r.split('/');
  const name = parts.pop()!;
  const namespace = parts.pop() || undefined;
  const kind = parts.pop()!;
  return { apiVersion: parts.join('/'), kind, metadata: { name, namespace } };
};

export function serviceSelector(stack: string, service: string): string {
  return `${MANAGED_BY}=pctl,${STACK_LABEL}=${stack},${SERVICE_LABEL}=${serviceKey(stack, service)}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Every object of a service that exists now, found by its labels in all namespaces. */
export async function findServiceObjects(client: KubeClient, stack: string, service: string, extraKinds: string[] = []): Promise<KubeObject[]> {
  const kinds = new Map(MANAGED_KINDS.map((k) => [`${k.apiVersion}/${k.kind}`, k]));
  for (const k of extraKinds) {
    const { apiVersion, kind } = parseKind(k);
    if (kind !== 'Namespace') kinds.set(`${apiVersion}/${kind}`, { apiVersion, kind });
  }
  const selector = serviceSelector(stack, service);
  const lists = await Promise.all([...kinds.values()].map((k) => client.list(k.apiVersion, k.kind, selector)));
  return lists.flat();
}

const parseKind = (k: string) => {
  const i = k.lastIndexOf('/');
  return { apiVersion: k.slice(0, i), kind: k.slice(i + 1) };
};

/** Applies one service and waits for its rollout; returns what the state entry records. */
export async function deployService(client: KubeClient, input: RenderInput, opts: DeployOptions): Promise<KubeStateExtras> {
  const key = serviceKey(input.stack, input.service);
  const objects = renderService(input);
  const [ns, ...rest] = objects;
  if (!ns || ns.kind !== 'Namespace') throw new PctlError({ code: 'Internal', message: 'render did not start with the Namespace' });

  // The namespace: created (and then owned) by pctl when missing; a user's is left as it is.
  let createdNamespace = false;
  let existing = await client.read(ns);
  if (!existing) {
    try {
      await client.create(ns);
      createdNamespace = true;
      opts.reporter.info(`created namespace ${input.namespace}`, key, 'NamespaceCreated');
    } catch (e) {
      // Another service of this run created it a moment ago: use it as it is.
      if ((e as PctlError).code !== 'KubeConflict') throw e;
      existing = await client.read(ns);
      if (!existing) throw e;
    }
  }
  if (existing) {
    const deleting = (existing.metadata as { deletionTimestamp?: string }).deletionTimestamp;
    if (deleting) {
      throw new PctlError({ code: 'NamespaceTerminating', message: `${key}: namespace ${input.namespace} is being deleted`, fault: 'environment', exitCode: 1, hint: 'wait until it is gone and deploy again' });
    }
    createdNamespace = existing.metadata.labels?.[MANAGED_BY] === 'pctl' && existing.metadata.labels?.[STACK_LABEL] === input.stack;
  }

  for (const o of rest) {
    if (opts.signal?.aborted) break;
    await client.apply(o);
  }

  // What the service had before and has no more: another namespace, a dropped HPA, PVC,
  // RBAC or raw manifest. Found by label, so it works after a crash too.
  const wanted = new Set(rest.map(ref));
  const extraKinds = [...new Set([...(opts.previous?.objects ?? []).map((r) => { const p = parseRef(r); return `${p.apiVersion}/${p.kind}`; }), ...rest.map((o) => `${o.apiVersion}/${o.kind}`)])];
  const stale = (await findServiceObjects(client, input.stack, input.service, extraKinds)).filter((o) => !wanted.has(ref(o)));
  // Every Deployment applied (pctl's, and those of raw manifests) must roll out; stale
  // objects go after that (a namespace move keeps serving).
  for (const d of rest.filter((o) => o.apiVersion === 'apps/v1' && o.kind === 'Deployment')) {
    await waitRollout(client, key, d.metadata.name, d.metadata.namespace ?? input.namespace, opts);
  }
  for (const o of stale) {
    opts.reporter.info(`deleting ${describeObject(o)} (no longer part of the service)`, key, 'KubeObjectPruned');
    await client.delete(o);
  }
  await waitGone(client, stale, key, opts);
  // A namespace pctl made for this service, which it has left, goes when nothing of pctl's remains in it.
  const prevNs = opts.previous?.namespace;
  if (prevNs && prevNs !== input.namespace && opts.previous?.createdNamespace) await deleteNamespaceIfUnused(client, prevNs, key, opts);

  const kinds = new Set(rest.map((o) => o.kind));
  return {
    cluster: client.clusterName,
    namespace: input.namespace,
    hasHpa: kinds.has('HorizontalPodAutoscaler'),
    hasRbac: kinds.has('Role'),
    hasPvc: kinds.has('PersistentVolumeClaim'),
    hasPv: kinds.has('PersistentVolume'),
    hasPullSecret: kinds.has('Secret') && Boolean(input.pullSecret),
    createdNamespace: createdNamespace || Boolean(opts.previous?.createdNamespace && opts.previous.namespace === input.namespace),
    objects: rest.map(ref).sort(),
  };
}

interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: { name: string; ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } } }[];
  };
}
interface DeploymentLike extends KubeObject {
  metadata: KubeObject['metadata'] & { generation?: number };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

// Waiting reasons that will not fix themselves: fail at once instead of at the deadline.
const HOPELESS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CrashLoopBackOff', 'CreateContainerConfigError', 'ErrImageNeverPull']);

/** Waits until the Deployment's new pods are all available and old ones are gone. */
export async function waitRollout(client: KubeClient, key: string, name: string, namespace: string, opts: DeployOptions): Promise<void> {
  const deadline = Date.now() + opts.rolloutTimeoutMs;
  const poll = opts.pollMs ?? 250;
  let hopelessSince: number | undefined;
  for (;;) {
    const d = await client.read<DeploymentLike>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace } });
    if (!d) throw new PctlError({ code: 'KubeNotFound', message: `${key}: deployment ${namespace}/${name} vanished during the rollout`, fault: 'environment', exitCode: 1 });
    const want = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const current = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
    if (current && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want && (s.replicas ?? 0) <= want) return;
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    // Until the controller has seen this generation, the condition and the pods are the last rollout's.
    const deadlineExceeded = current && progressing?.reason === 'ProgressDeadlineExceeded';
    const problem = current ? await podProblem(client, d, namespace) : undefined;
    if (problem?.hopeless) hopelessSince ??= Date.now();
    else hopelessSince = undefined;
    // A back-off seen twice, a second apart, is not a blip.
    const giveUp = deadlineExceeded || Date.now() > deadline || (hopelessSince !== undefined && Date.now() - hopelessSince >= 1000);
    if (giveUp || opts.signal?.aborted) {
      const why = problem?.text ?? (deadlineExceeded ? progressing?.message ?? 'progress deadline exceeded' : `${s.availableReplicas ?? 0}/${want} available`);
      throw new PctlError({
        code: 'RolloutFailed',
        exitCode: 1,
        message: `${key}: rollout of deployment ${namespace}/${name} failed: ${why}`,
        fault: 'environment',
        hint: problem?.hopeless ? 'fix the image or the command and deploy again' : 'raise provider.options.rolloutTimeout (seconds), or look at the pod events',
        detail: problem?.events,
      });
    }
    await sleep(poll, opts.signal);
  }
}

async function podProblem(client: KubeClient, d: DeploymentLike, namespace: string): Promise<{ text: string; hopeless: boolean; events?: string } | undefined> {
  const match = d.spec?.selector?.matchLabels ?? {};
  const selector = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',');
  // Only the pods of the newest ReplicaSet: those of a previous (failed) rollout keep failing
  // until the new ones are available, and are not this rollout's problem.
  const revision = (o: KubeObject) => Number(o.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
  const owned = (await client.list('apps/v1', 'ReplicaSet', selector, namespace)).filter((rs) =>
    ((rs.metadata.ownerReferences ?? []) as { uid?: string }[]).some((r) => r.uid === (d.metadata as { uid?: string }).uid));
  const hash = owned.sort((a, b) => revision(b) - revision(a))[0]?.metadata.labels?.['pod-template-hash'];
  const pods = (await client.list('v1', 'Pod', hash ? `${selector},pod-template-hash=${hash}` : selector, namespace)) as unknown as PodLike[];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting?.reason && c.state.waiting.reason !== 'ContainerCreating');
    const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (!waiting && !unschedulable) continue;
    const events = await podEvents(client, namespace, pod.metadata.name);
    if (waiting) {
      const w = waiting.state!.waiting!;
      const restarts = waiting.restartCount ? `, ${waiting.restartCount} restarts` : '';
      const last = events.at(-1);
      return { text: `pod ${pod.metadata.name} ${w.reason}${restarts}${w.message ? `: ${w.message}` : ''}${last && !w.message ? ` (${last})` : ''}`, hopeless: HOPELESS.has(w.reason!), events: events.join('\n') || undefined };
    }
    return { text: `pod ${pod.metadata.name} ${unschedulable!.reason ?? 'Unschedulable'}: ${unschedulable!.message ?? ''}`.trim(), hopeless: false, events: events.join('\n') || undefined };
  }
  return undefined;
}

async function podEvents(client: KubeClient, namespace: string, pod: string): Promise<string[]> {
  const list = (await client.list('v1', 'Event', '', namespace)) as unknown as { involvedObject?: { name?: string }; type?: string; reason?: string; message?: string; lastTimestamp?: string; metadata: { creationTimestamp?: string } }[];
  return list
    .filter((e) => e.involvedObject?.name === pod)
    .sort((a, b) => String(a.lastTimestamp ?? a.metadata.creationTimestamp).localeCompare(String(b.lastTimestamp ?? b.metadata.creationTimestamp)))
    .slice(-5)
    .map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim());
}

/** Waits until the objects (and pods of deleted Deployments) are gone. */
async function waitGone(client: KubeClient, objects: KubeObject[], key: string, opts: Pick<DeployOptions, 'signal' | 'pollMs'> & { timeoutMs?: number }): Promise<void> {
  if (!objects.length) return;
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let left = objects;
  for (;;) {
    const still = await Promise.all(left.map(async (o) => ((await client.read(o)) ? o : undefined)));
    left = still.filter((o): o is KubeObject => Boolean(o));
    const podsLeft = await Promise.all(
      objects
        .filter((o) => o.kind === 'Deployment')
        .map(async (o) => {
          const match = ((o as DeploymentLike).spec?.selector?.matchLabels ?? {}) as Record<string, string>;
          const selector = Object.entries(match).map(([k, v]) => `${k}=${v}`).join(',');
          return selector ? (await client.list('v1', 'Pod', selector, o.metadata.namespace)).length : 0;
        }),
    );
    if (!left.length && podsLeft.every((n) => n === 0)) return;
    if (Date.now() > deadline) {
      throw new PctlError({ code: 'DeleteTimeout', exitCode: 1, message: `${key}: still there after ${Math.round((opts.timeoutMs ?? 300_000) / 1000)}s: ${left.map(describeObject).join(', ') || 'pods'}`, fault: 'environment', hint: 'look for finalizers that block the deletion' });
    }
    await sleep(opts.pollMs ?? 250);
  }
}

async function deleteNamespaceIfUnused(client: KubeClient, namespace: string, key: string, opts: Pick<DeployOptions, 'reporter' | 'signal' | 'pollMs'>): Promise<void> {
  const others = await Promise.all(MANAGED_KINDS.filter((k) => isNamespaced(k.kind)).map((k) => client.list(k.apiVersion, k.kind, `${MANAGED_BY}=pctl`, namespace)));
  if (others.flat().length) return;
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
  let deleted: boolean;
  try {
    deleted = await client.delete(ns);
  } catch (e) {
    // Another service of the stack emptied it at the same moment and deletes it already.
    if ((e as PctlError).code !== 'KubeConflict') throw e;
    deleted = true;
  }
  if (deleted) {
    opts.reporter.info(`deleting namespace ${namespace} (created by pctl, now empty)`, key, 'NamespaceDeleted');
    await waitGone(client, [ns], key, opts);
  }
}

/** Deletes everything of a service, waits until it is gone, and its namespace if pctl made it. */
export async function destroyService(
  client: KubeClient,
  p: { stack: string; service: string; entry: Partial<KubeStateExtras>; reporter: Reporter; signal?: AbortSignal; pollMs?: number; timeoutMs?: number },
): Promise<void> {
  const key = serviceKey(p.stack, p.service);
  const extraKinds = (p.entry.objects ?? []).map((r) => { const x = parseRef(r); return `${x.apiVersion}/${x.kind}`; });
  const found = await findServiceObjects(client, p.stack, p.service, extraKinds);
  // Dependents first: the HPA and Service before the Deployment, RBAC and storage after it.
  const order = (o: KubeObject) => { const i = MANAGED_KINDS.findIndex((k) => k.kind === o.kind); return i < 0 ? -1 : i; };
  found.sort((a, b) => order(a) - order(b));
  for (const o of found) {
    p.reporter.debug(`deleting ${describeObject(o)}`, key);
    await client.delete(o, 'Foreground');
  }
  await waitGone(client, found, key, { signal: p.signal, pollMs: p.pollMs, timeoutMs: p.timeoutMs });
  const namespaces = new Set([p.entry.namespace, ...found.map((o) => o.metadata.namespace)].filter((n): n is string => Boolean(n)));
  for (const ns of namespaces) {
    const obj = await client.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const ours = obj?.metadata.labels?.[MANAGED_BY] === 'pctl' && obj.metadata.labels?.[STACK_LABEL] === p.stack;
    if (ours) await deleteNamespaceIfUnused(client, ns, key, { reporter: p.reporter, signal: p.signal, pollMs: p.pollMs });
  }
}

/** Every service of a stack that has objects in the cluster (recovery, orphan checks). */
export async function discoverServices(client: KubeClient, stack: string): Promise<{ key: string; kind: string; name: string }[]> {
  const selector = `${MANAGED_BY}=pctl,${STACK_LABEL}=${stack}`;
  const lists = await Promise.all(MANAGED_KINDS.map((k) => client.list(k.apiVersion, k.kind, selector)));
  return lists.flat().map((o) => ({ key: o.metadata.labels?.[SERVICE_LABEL] ?? '', kind: o.kind, name: `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}` })).filter((r) => r.key);
}

/**
 * `discover` for a Kubernetes provider: the stack's services in every cluster its
 * services use, each cluster asked once (`clusterId` names it, `client` reaches it).
 */
export async function discoverStack<O>(
  services: { provider: { name: string; options?: Record<string, unknown> } }[],
  stack: string,
  provider: string,
  parse: (raw: Record<string, unknown> | undefined) => O,
  clusterId: (o: O) => string,
  client: (o: O) => KubeClient | Promise<KubeClient>,
): Promise<{ key: string; kind: string; name: string }[]> {
  const seen = new Set<string>();
  const out: { key: string; kind: string; name: string }[] = [];
  for (const svc of services) {
    if (svc.provider.name !== provider) continue;
    const o = parse(svc.provider.options);
    const id = clusterId(o);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(...(await discoverServices(await client(o), stack)));
  }
  return out;
}

/** Pods of a service with their states, for `pctl status`. */
export async function serviceStatus(client: KubeClient, stack: string, service: string, namespace: string): Promise<{ state: 'running' | 'degraded' | 'missing'; detail: string; resources: { name: string; state: string }[] }> {
  const d = await client.read<DeploymentLike>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: service, namespace } });
  if (!d) return { state: 'missing', detail: `no deployment ${namespace}/${service}`, resources: [] };
  const pods = (await client.list('v1', 'Pod', serviceSelector(stack, service).split(',').slice(1).join(','), namespace)) as unknown as PodLike[];
  const want = d.spec?.replicas ?? 1;
  const available = d.status?.availableReplicas ?? 0;
  return {
    state: available >= want ? 'running' : 'degraded',
    detail: `${available}/${want} available in ${namespace}`,
    resources: pods.map((p) => ({ name: p.metadata.name, state: p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? p.status?.phase ?? 'Unknown' })),
  };
}

