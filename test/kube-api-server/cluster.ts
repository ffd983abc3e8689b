// API semantics on top of the store: create, update, patch, server-side apply, delete with finalizers and grace.
import { randomUUID } from 'node:crypto';
import { applyDefaults } from './defaults.js';
import { alreadyExists, ApiError, badRequest, conflict, forbidden, invalid, notFound } from './errors.js';
import {
  applyConflicts,
  applyMerge,
  deleteAtPath,
  displayPath,
  fieldsOf,
  managedFieldsAfterApply,
  managedFieldsAfterUpdate,
  otherOwnedFields,
  parsePathKey,
  previousApplyFields,
  type Conflict,
} from './fields.js';
import { patchSchemaOf } from './openapi.js';
import { clone, deepEqual, isPlainObject } from './jsonValue.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { findByKind, groupVersion, type ResourceType } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { KubeObject, Store } from './store.js';
import { validate, validateUpdate } from './validation.js';

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  subresource?: string;
}

export interface PatchOptions extends WriteOptions {
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface DeleteResult {
  /** The object, when it still exists (graceful deletion or finalizers) or the type returns deleted objects. */
  object?: KubeObject;
  status?: object;
}

/** Kinds whose metadata.generation tracks spec changes. */
const generationKinds = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'HorizontalPodAutoscaler',
  'Ingress',
  'PodDisruptionBudget',
  'NetworkPolicy',
]);

const undeletableNamespaces = new Set(['default', 'kube-system', 'kube-public']);

export function rfc3339(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const nameChars = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += nameChars[Math.floor(Math.random() * nameChars.length)];
  return s;
}

/** Strip timestamps so a write that changes nothing but managedFields times counts as a no-op. */
function comparable(obj: KubeObject): unknown {
  const c = clone(obj);
  delete c.metadata.resourceVersion;
  c.metadata.managedFields = (c.metadata.managedFields ?? []).map((e) => ({ ...(e as object), time: undefined }));
  return c;
}

// The managedFields an update or patch asks for, as the API server's field manager decodes
// them (decodeLiveOrNew): taken when they differ from the stored ones and form a valid,
// non-empty list (each entry with a manager, an operation Apply or Update, FieldsV1);
// otherwise the stored ones stay, so a client that drops the field loses nothing.
function requestedOwnership(obj: KubeObject, old: KubeObject): unknown[] | undefined {
  const mf = obj.metadata.managedFields;
  if (!Array.isArray(mf) || mf.length === 0 || deepEqual(mf, old.metadata.managedFields)) return undefined;
  const valid = mf.every((e) => {
    const x = e as { manager?: unknown; operation?: unknown; fieldsType?: unknown; fieldsV1?: unknown };
    return (
      typeof x?.manager === 'string' &&
      (x.operation === 'Apply' || x.operation === 'Update') &&
      x.fieldsType === 'FieldsV1' &&
      typeof x.fieldsV1 === 'object' &&
      x.fieldsV1 !== null
    );
  });
  return valid ? mf : undefined;
}

export class Cluster {
  /** Pods in graceful termination: uid -> time (ms) the simulated kubelet finishes. */
  readonly podTerminations = new Map<string, number>();

  constructor(
    readonly store: Store,
    private readonly podTerminationMs: () => number,
  ) {}

  type(kind: string, apiVersion?: string): ResourceType {
    const t = findByKind(kind, apiVersion);
    if (!t) throw new Error(`unknown kind ${kind}`);
    return t;
  }

  get(t: ResourceType, ns: string | undefined, name: string): KubeObject {
    const obj = this.store.get(t, ns, name);
    if (!obj) throw notFound(t, name);
    return obj;
  }

  list(
    t: ResourceType,
    ns: string | undefined,
    opts: { labelSelector?: string | null; fieldSelector?: string | null } = {},
  ): KubeObject[] {
    const byLabel = parseLabelSelector(opts.labelSelector);
    const byField = parseFieldSelector(opts.fieldSelector);
    return this.store.list(t, ns).filter((o) => byLabel(o.metadata.labels ?? {}) && byField(o));
  }

  /** Namespace must exist and not be terminating for new objects. */
  private checkNamespaceForCreate(t: ResourceType, ns: string | undefined, name: string): void {
    if (!t.namespaced) return;
    const nsObj = this.store.get(this.type('Namespace'), undefined, ns ?? '');
    if (!nsObj) throw notFound(this.type('Namespace'), ns ?? '');
    if (nsObj.metadata.deletionTimestamp) {
      throw forbidden(t, name, `unable to create new content in namespace ${ns} because it is being terminated`, [
        { reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' },
      ]);
    }
  }

  private checkTypeMeta(t: ResourceType, body: KubeObject): void {
    const gv = groupVersion(t);
    if (body.apiVersion !== undefined && body.apiVersion !== gv) {
      throw badRequest(
        `the API version in the data (${body.apiVersion}) does not match the expected API version (${gv})`,
      );
    }
    if (body.kind !== undefined && body.kind !== t.kind) {
      throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${t.kind})`);
    }
  }

  private asObject(body: unknown): KubeObject {
    if (!isPlainObject(body)) throw badRequest('the body of the request must be an object');
    const obj = clone(body) as KubeObject;
    if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
    obj.metadata ??= {};
    return obj;
  }

  private setNamespace(t: ResourceType, obj: KubeObject, ns: string | undefined): void {
    if (!t.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = ns;
  }

  /** POST: create an object. */
  create(t: ResourceType, ns: string | undefined, body: unknown, opts: WriteOptions = {}): KubeObject {
    const obj = this.asObject(body);
    this.checkTypeMeta(t, obj);
    obj.apiVersion = groupVersion(t);
    obj.kind = t.kind;
    this.setNamespace(t, obj, ns);
    if (obj.metadata.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (!obj.metadata.name && obj.metadata.generateName)
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    if (!obj.metadata.name) {
      throw invalid({ group: t.group, kind: t.kind }, '', [
        { type: 'FieldValueRequired', field: 'metadata.name', message: 'name or generateName is required' },
      ]);
    }
    const name = obj.metadata.name;
    this.checkNamespaceForCreate(t, ns, name);
    if (this.store.get(t, ns, name)) throw alreadyExists(t, name);
    for (const k of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'managedFields',
      'selfLink',
    ]) {
      delete obj.metadata[k];
    }
    // Status is the server's to set: dropped on create, filled in by defaulting and controllers.
    if (t.status) delete obj.status;
    return this.finishCreate(t, obj, { manager: opts.fieldManager ?? 'unknown', dryRun: opts.dryRun });
  }

  private finishCreate(
    t: ResourceType,
    obj: KubeObject,
    w: { manager: string; dryRun?: boolean; applied?: { fields: Set<string> } },
  ): KubeObject {
    applyDefaults(obj, undefined);
    validate(t, obj);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = rfc3339();
    if (generationKinds.has(t.kind)) obj.metadata.generation = 1;
    const now = rfc3339();
    obj.metadata.managedFields = w.applied
      ? managedFieldsAfterApply({
          live: undefined,
          next: obj,
          manager: w.manager,
          apiVersion: groupVersion(t),
          applyFields: w.applied.fields,
          forced: new Set(),
          now,
        })
      : managedFieldsAfterUpdate({
          old: undefined,
          next: obj,
          manager: w.manager,
          apiVersion: groupVersion(t),
          statusSubresource: t.status,
          now,
        });
    if (w.dryRun) return obj;
    return this.store.put(t, obj);
  }

  /** Carry server-owned metadata (and, for the main resource, status) from the stored object into a new version. */
  private carryOver(t: ResourceType, old: KubeObject, next: KubeObject, subresource: string | undefined): KubeObject {
    if (subresource === 'status') {
      const out = clone(old);
      out.status = next.status;
      return out;
    }
    for (const k of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'managedFields',
    ]) {
      if (old.metadata[k] === undefined) delete next.metadata[k];
      else next.metadata[k] = old.metadata[k];
    }
    next.metadata.name = old.metadata.name;
    if (t.namespaced) next.metadata.namespace = old.metadata.namespace;
    next.apiVersion = groupVersion(t);
    next.kind = t.kind;
    if (t.status) {
      if (old.status === undefined) delete next.status;
      else next.status = old.status;
    }
    return next;
  }

  private checkPrecondition(t: ResourceType, old: KubeObject, next: KubeObject): void {
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      throw conflict(
        t,
        old.metadata.name ?? '',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
  }

  /** Shared tail of update, patch and apply on an existing object. */
  private finishUpdate(
    t: ResourceType,
    old: KubeObject,
    next: KubeObject,
    w: {
      manager: string;
      dryRun?: boolean;
      subresource?: string;
      managedFields?: unknown[];
      requestedManagedFields?: unknown[];
    },
  ): KubeObject {
    applyDefaults(next, old);
    validate(t, next);
    validateUpdate(t, old, next);
    if (old.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw invalid({ group: t.group, kind: t.kind }, old.metadata.name ?? '', [
          {
            type: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
          },
        ]);
      }
    }
    if (generationKinds.has(t.kind) && !deepEqual(old.spec, next.spec))
      next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    // An update or patch of the main resource that sets managedFields to a valid, non-empty
    // list replaces them (how clients move ownership, e.g. kubectl's client-side-apply
    // upgrade); the fields the request changes then go to its manager as usual.
    const base =
      w.requestedManagedFields && !w.subresource
        ? { ...old, metadata: { ...old.metadata, managedFields: w.requestedManagedFields } }
        : old;
    next.metadata.managedFields =
      w.managedFields ??
      managedFieldsAfterUpdate({
        old: base,
        next,
        manager: w.manager,
        apiVersion: groupVersion(t),
        statusSubresource: t.status,
        subresource: w.subresource,
        now: rfc3339(),
      });
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    // A write that changes nothing keeps the resourceVersion, as etcd-backed storage does.
    if (deepEqual(comparable(old), comparable(next))) return old;
    if (w.dryRun) return next;
    const m = next.metadata;
    if (m.deletionTimestamp && (m.finalizers ?? []).length === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0) {
      this.store.remove(t, m.namespace, m.name ?? '');
      return next;
    }
    return this.store.put(t, next);
  }

  /** PUT: replace an object (or its status subresource). */
  update(t: ResourceType, ns: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): KubeObject {
    const obj = this.asObject(body);
    this.checkTypeMeta(t, obj);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (t.namespaced && obj.metadata.namespace && obj.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const old = this.get(t, ns, name);
    this.checkPrecondition(t, old, obj);
    if (opts.subresource === 'scale') return this.updateScale(t, old, obj, opts);
    const requestedManagedFields = requestedOwnership(obj, old);
    const next = this.carryOver(t, old, obj, opts.subresource);
    return this.finishUpdate(t, old, next, {
      manager: opts.fieldManager ?? 'unknown',
      dryRun: opts.dryRun,
      subresource: opts.subresource,
      requestedManagedFields,
    });
  }

  /** The autoscaling/v1 Scale view of a workload. */
  scaleOf(obj: KubeObject): KubeObject {
    const sel = obj.spec?.selector?.matchLabels as Record<string, string> | undefined;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: {
        replicas: obj.status?.replicas ?? 0,
        selector: Object.entries(sel ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    };
  }

  private updateScale(t: ResourceType, old: KubeObject, scale: KubeObject, opts: WriteOptions): KubeObject {
    const replicas = scale.spec?.replicas;
    if (typeof replicas !== 'number') throw badRequest('spec.replicas must be a number');
    const next = clone(old);
    next.spec = { ...next.spec, replicas };
    const out = this.finishUpdate(t, old, next, {
      manager: opts.fieldManager ?? 'unknown',
      dryRun: opts.dryRun,
      subresource: 'scale',
    });
    return this.scaleOf(out);
  }

  /** PATCH: json, merge, strategic merge, or server-side apply. Returns whether an apply created the object. */
  patch(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: PatchOptions = {},
  ): { object: KubeObject; created: boolean } {
    if (type === 'apply') return this.apply(t, ns, name, body, opts);
    if (opts.force !== undefined) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
        { type: 'FieldValueForbidden', field: 'force', message: 'may not be specified for non-apply patch' },
      ]);
    }
    const old = this.get(t, ns, name);
    const base = opts.subresource === 'scale' ? this.scaleOf(old) : old;
    let next: unknown;
    if (type === 'json') next = jsonPatch(base, body);
    else if (type === 'merge') next = mergePatch(base, body);
    else
      next = strategicMergePatch(
        base,
        body,
        '',
        patchSchemaOf(opts.subresource === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : t),
      );
    const obj = this.asObject(next);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    this.checkPrecondition(t, old, obj);
    if (opts.subresource === 'scale') return { object: this.updateScale(t, old, obj, opts), created: false };
    const requestedManagedFields = requestedOwnership(obj, old);
    const carried = this.carryOver(t, old, obj, opts.subresource);
    const object = this.finishUpdate(t, old, carried, {
      manager: opts.fieldManager ?? 'unknown',
      dryRun: opts.dryRun,
      subresource: opts.subresource,
      requestedManagedFields,
    });
    return { object, created: false };
  }

  /** Server-side apply (application/apply-patch+yaml). */
  private apply(
    t: ResourceType,
    ns: string | undefined,
    name: string,
    body: unknown,
    opts: PatchOptions,
  ): { object: KubeObject; created: boolean } {
    const manager = opts.fieldManager;
    if (!manager) {
      throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [
        { type: 'FieldValueRequired', field: 'fieldManager', message: 'is required for apply patch' },
      ]);
    }
    const applied = this.asObject(body);
    if (!applied.apiVersion || !applied.kind) {
      throw badRequest(`error decoding YAML: Object 'Kind' is missing in '${JSON.stringify(applied)}'`);
    }
    this.checkTypeMeta(t, applied);
    if (applied.metadata.name !== undefined && applied.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (t.namespaced && applied.metadata.namespace && applied.metadata.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const rv = applied.metadata.resourceVersion;
    for (const k of [
      'resourceVersion',
      'uid',
      'creationTimestamp',
      'generation',
      'managedFields',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'selfLink',
    ]) {
      delete applied.metadata[k];
    }
    const statusSub = t.status && opts.subresource !== 'status';
    if (statusSub) delete applied.status;
    const live = this.store.get(t, ns, name);
    if (live && rv && rv !== live.metadata.resourceVersion) {
      throw conflict(
        t,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const applyFields = fieldsOf(applied, { statusSubresource: statusSub });
    if (!live) {
      this.checkNamespaceForCreate(t, ns, name);
      const obj = applied;
      obj.metadata.name = name;
      if (t.namespaced) obj.metadata.namespace = ns;
      const created = this.finishCreate(t, obj, { manager, dryRun: opts.dryRun, applied: { fields: applyFields } });
      return { object: created, created: true };
    }
    const conflicts = applyConflicts(live, applied, manager, applyFields);
    if (conflicts.length > 0 && !opts.force) throw this.applyConflictError(t, name, conflicts);
    const forced = new Set(conflicts.map((c) => c.path));
    const prev = previousApplyFields(live, manager);
    const others = otherOwnedFields(live, manager, forced);
    const base = clone(live);
    for (const p of prev) {
      // A field this manager applied before and no longer applies is removed, unless someone else owns it too.
      if (!applyFields.has(p) && !others.has(p)) deleteAtPath(base, parsePathKey(p));
    }
    const merged = this.asObject(applyMerge(base, applied));
    const next = this.carryOver(t, live, merged, opts.subresource);
    const managedFields = managedFieldsAfterApply({
      live,
      next,
      manager,
      apiVersion: groupVersion(t),
      applyFields,
      forced,
      now: rfc3339(),
    });
    const object = this.finishUpdate(t, live, next, {
      manager,
      dryRun: opts.dryRun,
      subresource: opts.subresource,
      managedFields,
    });
    return { object, created: false };
  }

  private applyConflictError(t: ResourceType, name: string, conflicts: Conflict[]): ApiError {
    const gv = groupVersion(t);
    const byManager = new Map<string, string[]>();
    for (const c of conflicts)
      byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), displayPath(parsePathKey(c.path))]);
    const n = conflicts.length;
    let message: string;
    if (n === 1)
      message = `Apply failed with 1 conflict: conflict with "${conflicts[0].manager}" using ${gv}: ${displayPath(parsePathKey(conflicts[0].path))}`;
    else {
      const parts = [...byManager].map(
        ([m, paths]) => `conflicts with "${m}" using ${gv}:\n${paths.map((p) => `- ${p}`).join('\n')}`,
      );
      message = `Apply failed with ${n} conflicts: ${parts.join('\n')}`;
    }
    return new ApiError(409, 'Conflict', message, {
      name,
      ...(t.group ? { group: t.group } : {}),
      kind: t.plural,
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}" using ${gv}`,
        field: displayPath(parsePathKey(c.path)),
      })),
    });
  }

  /** DELETE one object. */
  delete(t: ResourceType, ns: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const obj = this.get(t, ns, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid) {
      throw conflict(
        t,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      throw conflict(
        t,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
      );
    }
    if (t.kind === 'Namespace') return { object: this.deleteNamespace(t, obj, opts) };
    const policy = opts.propagationPolicy ?? 'Background';
    if (!['Foreground', 'Background', 'Orphan'].includes(policy)) {
      throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', [
        {
          type: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message: `"${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
        },
      ]);
    }
    const next = clone(obj);
    const finalizers = [...(next.metadata.finalizers ?? [])];
    const gcFinalizer = policy === 'Orphan' ? 'orphan' : policy === 'Foreground' ? 'foregroundDeletion' : undefined;
    if (gcFinalizer && !finalizers.includes(gcFinalizer)) finalizers.push(gcFinalizer);
    const isPod = t.kind === 'Pod';
    const grace = isPod
      ? (opts.gracePeriodSeconds ?? (obj.spec?.terminationGracePeriodSeconds as number | undefined) ?? 30)
      : 0;
    const deleteNow =
      finalizers.length === 0 && (!isPod || grace === 0 || (obj.status?.phase === 'Pending' && !obj.spec?.nodeName));
    if (opts.dryRun) return deleteNow ? { status: this.successStatus(t, obj) } : { object: next };
    if (deleteNow) {
      const gone = this.store.remove(t, ns, name) ?? obj;
      this.podTerminations.delete(obj.metadata.uid ?? '');
      return isPod ? { object: gone } : { status: this.successStatus(t, obj) };
    }
    if (finalizers.length > 0) next.metadata.finalizers = finalizers;
    if (!next.metadata.deletionTimestamp) {
      next.metadata.deletionTimestamp = rfc3339(Date.now() + grace * 1000);
      next.metadata.deletionGracePeriodSeconds = grace;
      if (generationKinds.has(t.kind)) next.metadata.generation = (next.metadata.generation ?? 1) + 1;
    }
    if (isPod && grace > 0 && !this.podTerminations.has(obj.metadata.uid ?? '')) {
      this.podTerminations.set(obj.metadata.uid ?? '', Date.now() + this.podTerminationMs());
    }
    if (isPod && grace === 0) next.metadata.deletionGracePeriodSeconds = 0;
    if (deepEqual(next, obj)) return { object: obj };
    return { object: this.store.put(t, next) };
  }

  private successStatus(t: ResourceType, obj: KubeObject): object {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: obj.metadata.name,
        ...(t.group ? { group: t.group } : {}),
        kind: t.plural,
        uid: obj.metadata.uid,
      },
    };
  }

  private deleteNamespace(t: ResourceType, obj: KubeObject, opts: DeleteOptions): KubeObject {
    const name = obj.metadata.name ?? '';
    if (undeletableNamespaces.has(name)) throw forbidden(t, name, 'this namespace may not be deleted');
    if (obj.metadata.deletionTimestamp) {
      throw conflict(
        t,
        name,
        'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
      );
    }
    const next = clone(obj);
    next.metadata.deletionTimestamp = rfc3339();
    next.metadata.deletionGracePeriodSeconds = 0;
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    if (opts.dryRun) return next;
    return this.store.put(t, next);
  }

  /** Remove an object whose deletion is complete (kubelet done, finalizers gone). */
  finalizeDeletion(t: ResourceType, obj: KubeObject): void {
    const cur = this.store.get(t, obj.metadata.namespace, obj.metadata.name ?? '');
    if (!cur || cur.metadata.uid !== obj.metadata.uid) return;
    if ((cur.metadata.finalizers ?? []).length > 0) {
      if (cur.metadata.deletionGracePeriodSeconds !== 0) {
        cur.metadata.deletionGracePeriodSeconds = 0;
        this.store.put(t, cur);
      }
      return;
    }
    this.store.remove(t, cur.metadata.namespace, cur.metadata.name ?? '');
    this.podTerminations.delete(cur.metadata.uid ?? '');
  }

  /** Remove a finalizer as its controller would (GC, namespace controller). */
  removeFinalizer(t: ResourceType, obj: KubeObject, finalizer: string): void {
    const cur = this.store.get(t, obj.metadata.namespace, obj.metadata.name ?? '');
    if (!cur || cur.metadata.uid !== obj.metadata.uid) return;
    const finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (finalizers.length === (cur.metadata.finalizers ?? []).length) return;
    if (finalizers.length > 0) cur.metadata.finalizers = finalizers;
    else delete cur.metadata.finalizers;
    if (
      cur.metadata.deletionTimestamp &&
      finalizers.length === 0 &&
      (cur.metadata.deletionGracePeriodSeconds ?? 0) === 0
    ) {
      this.store.remove(t, cur.metadata.namespace, cur.metadata.name ?? '');
      return;
    }
    this.store.put(t, cur);
  }

  /** A controller's write that bypasses field management and validation (status, annotations). */
  controllerWrite(t: ResourceType, obj: KubeObject): KubeObject | undefined {
    const cur = this.store.get(t, obj.metadata.namespace, obj.metadata.name ?? '');
    if (!cur || cur.metadata.uid !== obj.metadata.uid) return undefined;
    const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } };
    if (deepEqual(next, cur)) return cur;
    return this.store.put(t, next);
  }
}
