// The shared Kubernetes deployer: applies what render.ts makes with server-side apply
// (after checking that no object of that name is another stack's), waits for the rollout
// (a failed one fails the deploy, naming the pod and why), deletes what the service no
// longer has (found by label, so a namespace move, a rename by an earlier pctl version or a
// crash in the middle leaves nothing behind), and destroys a service, waiting until it is gone.
import { runSelector } from './provider/inner/runPod.js';
import {
  Events,
  isJob,
  jobTimeoutSeconds,
  MANAGED_BY,
  PctlError,
  SERVICE_LABEL,
  STACK_LABEL,
  serviceKey,
  type Reporter,
} from '@pctl/core';
import { describeObject, type KubeClient } from './client.js';
import {
  KEY_ANNOTATION,
  legacyObjectNames,
  OBJECT_NAMES_VERSION,
  serviceObjectNames,
  serviceSelector,
  stackSelector,
} from './objectNames.js';
import { kindOfRef, MANAGED_KINDS, objectRef, parseKind } from './object-refs.js';
import { checkOwnership } from './ownership.js';
import { claimAppliedFields } from './soleOwner.js';
import { deleteNamespaceIfUnused, waitGone } from './removal.js';
import { renderService } from './renderService.js';
import { removePreviousJob, waitJob } from './job.js';
import { waitRollout, type DeploymentLike, type PodLike, type RolloutOptions } from './rollout.js';
import { ensureShared, releaseStorageClasses } from './shared-objects.js';
import { isShared } from './storage.js';
import type { KubeObject, KubeStateExtras, RenderInput } from './types.js';

export { MANAGED_KINDS } from './object-refs.js';
export { waitRollout } from './rollout.js';

export interface DeployOptions extends RolloutOptions {
  /** What the last deploy of this service recorded (for extra kinds and namespace ownership). */
  previous?: Partial<KubeStateExtras>;
}

/** Every object of a service that exists now, found by its labels in all namespaces. */
export async function findServiceObjects(
  client: KubeClient,
  stack: string,
  service: string,
  extraKinds: string[] = [],
): Promise<KubeObject[]> {
  const kinds = new Map(MANAGED_KINDS.map((k) => [`${k.apiVersion}/${k.kind}`, k]));
  for (const k of extraKinds) {
    const { apiVersion, kind } = parseKind(k);
    if (kind !== 'Namespace') kinds.set(`${apiVersion}/${kind}`, { apiVersion, kind });
  }
  const selector = serviceSelector(stack, service);
  const lists = await Promise.all([...kinds.values()].map((k) => client.list(k.apiVersion, k.kind, selector)));
  return lists.flat();
}

// A claim an earlier pctl version made (`<stack>-<service>-storage`) keeps its name: a new
// claim would start empty, and deleting the old one could take its data with it.
async function legacyClaimName(client: KubeClient, input: RenderInput): Promise<string | undefined> {
  if (input.storageName || !input.options.storage || !input.config.volumes?.length) return input.storageName;
  const legacy = legacyObjectNames(input.stack, input.service).storage;
  const claims = await client.list(
    'v1',
    'PersistentVolumeClaim',
    serviceSelector(input.stack, input.service),
    input.namespace,
  );
  return claims.some((c) => c.metadata.name === legacy && !c.metadata.deletionTimestamp) ? legacy : undefined;
}

/** Applies one service and waits for its rollout; returns what the state entry records. */
export async function deployService(
  client: KubeClient,
  input: RenderInput,
  opts: DeployOptions,
): Promise<KubeStateExtras> {
  const key = serviceKey(input.stack, input.service);
  const storageName = await legacyClaimName(client, input);
  const objects = renderService({ ...input, ...(storageName ? { storageName } : {}) });
  const [ns, ...rest] = objects;
  if (!ns || ns.kind !== 'Namespace')
    throw new PctlError({ code: 'InternalError', message: 'render did not start with the Namespace' });
  const shared = rest.filter(isShared);
  const own = rest.filter((o) => !isShared(o));
  // The namespace: created (and then owned) by pctl when missing; a user's is left as it is.
  let createdNamespace = false;
  let existing = await client.read(ns);
  const deleting = (existing?.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp;
  if (deleting) {
    throw new PctlError({
      code: 'NamespaceTerminating',
      message: `${key}: namespace ${input.namespace} is being deleted`,
      fault: 'environment',
      exitCode: 1,
      hint: 'wait until it is gone and deploy again',
    });
  }
  // Before anything is written: an object of another stack of that name stops the deploy.
  await checkOwnership(client, own, input.stack, input.service);
  if (!existing) {
    try {
      await client.create(ns);
      createdNamespace = true;
      opts.reporter.info(`created namespace ${input.namespace}`, key, Events.NamespaceCreated);
    } catch (e) {
      // Another service of this run created it a moment ago: use it as it is.
      if ((e as PctlError).code !== 'KubeConflict') throw e;
      existing = await client.read(ns);
      if (!existing) throw e;
    }
  }
  if (existing)
    createdNamespace =
      existing.metadata.labels?.[MANAGED_BY] === 'pctl' &&
      existing.metadata.labels?.[STACK_LABEL] === ns.metadata.labels?.[STACK_LABEL];

  for (const o of shared) {
    if (opts.signal?.aborted) break;
    await ensureShared(client, o, key, opts.reporter);
  }
  // A Job's pod template cannot change: the last run's Job goes before this run's is applied.
  const jobs = isJob(input.config) ? own.filter(isJobObject) : [];
  for (const j of jobs) await removePreviousJob(client, j, key, opts);
  for (const o of own) {
    if (opts.signal?.aborted) break;
    await claimAppliedFields(client, await client.apply(o));
  }

  // What the service had before and has no more: another namespace, a dropped HPA, PVC,
  // RBAC or raw manifest, the objects an earlier pctl version named `<service>`. Found by
  // label, so it works after a crash too.
  const wanted = new Set(own.map(objectRef));
  const extraKinds = [
    ...new Set([...(opts.previous?.objects ?? []).map(kindOfRef), ...own.map((o) => `${o.apiVersion}/${o.kind}`)]),
  ];
  const stale = (await findServiceObjects(client, input.stack, input.service, extraKinds)).filter(
    (o) => !wanted.has(objectRef(o)),
  );
  // Every Deployment applied (pctl's, and those of raw manifests) must roll out; stale
  // objects go after that (a namespace move or a rename keeps serving).
  for (const d of own.filter((o) => o.apiVersion === 'apps/v1' && o.kind === 'Deployment')) {
    await waitRollout(client, key, d.metadata.name, d.metadata.namespace ?? input.namespace, opts);
  }
  for (const j of jobs) await waitJob(client, key, j, jobTimeoutSeconds(input.config), opts);
  for (const o of stale) {
    opts.reporter.info(`deleting ${describeObject(o)} (no longer part of the service)`, key, Events.KubeObjectPruned);
    await client.delete(o);
  }
  await waitGone(client, stale, key, opts);
  const classes = shared
    .filter((o) => o.kind === 'StorageClass')
    .map((o) => o.metadata.name)
    .sort();
  const dropped = [...new Set([...(opts.previous?.storageClasses ?? []), ...storageClassNames(stale)])].filter(
    (n) => !classes.includes(n),
  );
  await releaseStorageClasses(client, dropped, key, opts.reporter);
  // A namespace pctl made for this service, which it has left, goes when nothing of pctl's remains in it.
  const prevNs = opts.previous?.namespace;
  if (prevNs && prevNs !== input.namespace && opts.previous?.createdNamespace)
    await deleteNamespaceIfUnused(client, prevNs, key, { ...opts, stack: input.stack });

  const kinds = new Set(own.map((o) => o.kind));
  return {
    cluster: client.clusterName,
    namespace: input.namespace,
    hasHpa: kinds.has('HorizontalPodAutoscaler'),
    hasRbac: kinds.has('Role'),
    hasPvc: kinds.has('PersistentVolumeClaim'),
    hasPv: kinds.has('PersistentVolume'),
    hasPullSecret: Boolean(input.pullSecret),
    createdNamespace:
      createdNamespace || Boolean(opts.previous?.createdNamespace && opts.previous.namespace === input.namespace),
    objects: own.map(objectRef).sort(),
    // What was applied, Secret data left out: the state's release record (core moves it there).
    applied: own.map(withoutSecretData),
    objectNames: OBJECT_NAMES_VERSION,
    ...(classes.length ? { storageClasses: classes } : {}),
  };
}

/** An object as the release records it: a Secret keeps its keys, never its values. */
function withoutSecretData(o: KubeObject): KubeObject {
  if (o.kind !== 'Secret') return o;
  const { data, stringData, ...rest } = o as KubeObject & {
    data?: Record<string, unknown>;
    stringData?: Record<string, unknown>;
  };
  return { ...rest, dataKeys: Object.keys({ ...(data ?? {}), ...(stringData ?? {}) }).sort() } as KubeObject;
}

const isJobObject = (o: KubeObject) => o.apiVersion === 'batch/v1' && o.kind === 'Job';

/** The storage classes the volumes and claims among `objects` name. */
function storageClassNames(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'PersistentVolume' || o.kind === 'PersistentVolumeClaim')
    .map((o) => (o.spec as { storageClassName?: string } | undefined)?.storageClassName)
    .filter((n): n is string => Boolean(n));
}

/** Deletes everything of a service, waits until it is gone, and its namespace if pctl made it. */
export async function destroyService(
  client: KubeClient,
  p: {
    stack: string;
    service: string;
    entry: Partial<KubeStateExtras>;
    reporter: Reporter;
    signal?: AbortSignal;
    pollMs?: number;
    timeoutMs?: number;
  },
): Promise<void> {
  const key = serviceKey(p.stack, p.service);
  const extraKinds = (p.entry.objects ?? []).map(kindOfRef);
  const found = await findServiceObjects(client, p.stack, p.service, extraKinds);
  // Dependents first: the HPA and Service before the Deployment, RBAC and storage after it.
  const order = (o: KubeObject) => {
    const i = MANAGED_KINDS.findIndex((k) => k.kind === o.kind);
    return i < 0 ? -1 : i;
  };
  found.sort((a, b) => order(a) - order(b));
  for (const o of found) {
    p.reporter.debug(`deleting ${describeObject(o)}`, key);
    await client.delete(o, 'Foreground');
  }
  // One-off pods of `pctl run` a killed pctl left (they carry this service's one-off labels).
  const runPods: KubeObject[] = [];
  for (const ns of new Set([p.entry.namespace, ...found.map((o) => o.metadata.namespace)])) {
    if (!ns) continue;
    for (const pod of await client.list('v1', 'Pod', runSelector(p.stack, p.service), ns)) {
      p.reporter.debug(`deleting the one-off ${describeObject(pod)}`, key);
      await client.delete(pod, 'Background', 0);
      runPods.push(pod);
    }
  }
  await waitGone(client, [...found, ...runPods], key, {
    signal: p.signal,
    pollMs: p.pollMs,
    timeoutMs: p.timeoutMs,
  });
  await releaseStorageClasses(
    client,
    [...new Set([...(p.entry.storageClasses ?? []), ...storageClassNames(found)])],
    key,
    p.reporter,
  );
  const namespaces = new Set(
    [p.entry.namespace, ...found.map((o) => o.metadata.namespace)].filter((n): n is string => Boolean(n)),
  );
  for (const ns of namespaces) {
    await deleteNamespaceIfUnused(client, ns, key, {
      reporter: p.reporter,
      signal: p.signal,
      pollMs: p.pollMs,
      stack: p.stack,
    });
  }
}

/** Every service of a stack that has objects in the cluster (recovery, orphan checks). */
export async function discoverServices(
  client: KubeClient,
  stack: string,
): Promise<{ key: string; kind: string; name: string }[]> {
  const selector = stackSelector(stack);
  const lists = await Promise.all(MANAGED_KINDS.map((k) => client.list(k.apiVersion, k.kind, selector)));
  return lists
    .flat()
    .map((o) => ({
      key: o.metadata.annotations?.[KEY_ANNOTATION] ?? o.metadata.labels?.[SERVICE_LABEL] ?? '',
      kind: o.kind,
      name: `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`,
    }))
    .filter((r) => r.key);
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
export async function serviceStatus(
  client: KubeClient,
  stack: string,
  service: string,
  namespace: string,
): Promise<{
  state: 'running' | 'degraded' | 'missing';
  detail: string;
  resources: { name: string; state: string }[];
}> {
  // Under its name, else under the name an earlier pctl version gave it (until the next deploy renames it).
  const name = serviceObjectNames(stack, service).workload;
  const read = (n: string) =>
    client.read<DeploymentLike>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: n, namespace } });
  const d = (await read(name)) ?? (await read(legacyObjectNames(stack, service).workload));
  if (!d) return { state: 'missing', detail: `no deployment ${namespace}/${name}`, resources: [] };
  const pods = (await client.list(
    'v1',
    'Pod',
    serviceSelector(stack, service).split(',').slice(1).join(','),
    namespace,
  )) as unknown as PodLike[];
  const want = d.spec?.replicas ?? 1;
  const available = d.status?.availableReplicas ?? 0;
  return {
    state: available >= want ? 'running' : 'degraded',
    detail: `${available}/${want} available in ${namespace}`,
    resources: pods.map((p) => ({
      name: p.metadata.name,
      state: p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? p.status?.phase ?? 'Unknown',
    })),
  };
}
