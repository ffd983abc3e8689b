// The shared Kubernetes deployer: applies what render.ts makes with server-side apply
// (after checking that no object of that name is another stack's), waits for the rollout
// (a failed one fails the deploy, naming the pod and why), and deletes what the service no
// longer has (found by label, so a namespace move, a rename by an earlier pctl version or a
// crash in the middle leaves nothing behind). Destroying a service is destroy.ts.
import { Events, isJob, jobTimeoutSeconds, MANAGED_BY, PctlError, STACK_LABEL, serviceKey } from '@pctl/core';
import { describeObject, type KubeClient } from './client.js';
import { legacyObjectNames, OBJECT_NAMES_VERSION, serviceSelector } from './objectNames.js';
import { kindOfRef, objectRef } from './object-refs.js';
import { checkOwnership } from './ownership.js';
import { claimAppliedFields } from './soleOwner.js';
import { deleteNamespaceIfUnused, waitGone } from './removal.js';
import { renderService } from './renderService.js';
import { removePreviousJob, waitJob } from './job.js';
import { waitRollout, type RolloutOptions } from './rollout.js';
import { findServiceObjects } from './serviceObjects.js';
import { ensureShared, releaseStorageClasses, storageClassNames } from './shared-objects.js';
import { isShared } from './storage.js';
import type { KubeObject, KubeStateExtras, RenderInput } from './types.js';

export { MANAGED_KINDS } from './object-refs.js';
export { waitRollout } from './rollout.js';

export interface DeployOptions extends RolloutOptions {
  /** What the last deploy of this service recorded (for extra kinds and namespace ownership). */
  previous?: Partial<KubeStateExtras>;
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
