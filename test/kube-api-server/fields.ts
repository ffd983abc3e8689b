// Field sets for server-side apply and `metadata.managedFields` (FieldsV1), at leaf granularity.
import { deepEqual, isPlainObject } from './jsonValue.js';

/** A path element as FieldsV1 spells it: `f:spec`, `k:{"name":"app"}`. */
export type PathElem = string;
export type FieldPath = PathElem[];

const SEP = '\u0001';
export const pathKey = (p: FieldPath): string => p.join(SEP);
export const parsePathKey = (k: string): FieldPath => (k === '' ? [] : k.split(SEP));

/** The merge key of a list of objects, mirroring the list-map keys of the built-in types; undefined means atomic. */
export function listKeyOf(field: string, items: unknown[]): string[] | undefined {
  if (items.length === 0 || !items.every(isPlainObject)) return undefined;
  const objs = items as Record<string, unknown>[];
  const all = (k: string): boolean => objs.every((o) => o[k] !== undefined);
  if (field === 'volumeMounts' && all('mountPath')) return ['mountPath'];
  if (field === 'ownerReferences' && all('uid')) return ['uid'];
  if (field === 'conditions' && all('type')) return ['type'];
  if (field === 'ports' && all('containerPort')) return ['containerPort'];
  if (field === 'ports' && all('port')) return ['port'];
  if (field === 'tolerations' || field === 'args' || field === 'command') return undefined;
  if (all('name')) return ['name'];
  return undefined;
}

function itemElem(key: string[], item: Record<string, unknown>): PathElem {
  const k: Record<string, unknown> = {};
  for (const name of key) k[name] = item[name];
  return `k:${JSON.stringify(k)}`;
}

const ignoredMetadata = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
]);

/** Every leaf path of an object that field management tracks (status excluded when it is a subresource). */
export function fieldsOf(obj: Record<string, unknown> | undefined, opts: { statusSubresource: boolean }): Set<string> {
  const out = new Set<string>();
  if (!obj) return out;
  const walk = (v: unknown, path: FieldPath, field: string): void => {
    if (isPlainObject(v)) {
      const entries = Object.entries(v).filter(([k, x]) => {
        if (x === undefined) return false;
        if (path.length === 0)
          return !(k === 'apiVersion' || k === 'kind' || (k === 'status' && opts.statusSubresource));
        if (path.length === 1 && path[0] === 'f:metadata') return !ignoredMetadata.has(k);
        return true;
      });
      if (entries.length === 0 && path.length > 0) {
        if (!(path.length === 1 && path[0] === 'f:metadata')) out.add(pathKey(path));
        return;
      }
      for (const [k, x] of entries) walk(x, [...path, `f:${k}`], k);
      return;
    }
    if (Array.isArray(v)) {
      const key = listKeyOf(field, v);
      if (!key) {
        out.add(pathKey(path));
        return;
      }
      for (const item of v as Record<string, unknown>[]) {
        const ip = [...path, itemElem(key, item)];
        out.add(pathKey(ip));
        walk(item, ip, '');
      }
      return;
    }
    out.add(pathKey(path));
  };
  walk(obj, [], '');
  return out;
}

/** The value at a field path, or undefined. */
export function getAtPath(obj: unknown, path: FieldPath): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el.startsWith('f:')) {
      if (!isPlainObject(cur)) return undefined;
      cur = cur[el.slice(2)];
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      cur = cur.find((it) => isPlainObject(it) && Object.entries(key).every(([k, v]) => deepEqual(it[k], v)));
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Remove the field (or list item) at a path, if present. */
export function deleteAtPath(obj: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  const parent = getAtPath(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(parent)) {
    const key = JSON.parse(last.slice(2)) as Record<string, unknown>;
    const idx = parent.findIndex(
      (it) => isPlainObject(it) && Object.entries(key).every(([k, v]) => deepEqual(it[k], v)),
    );
    if (idx >= 0) parent.splice(idx, 1);
  }
}

/** `.spec.template.spec.containers[name="app"].image`, as conflict messages print paths. */
export function displayPath(path: FieldPath): string {
  return path
    .map((el) => {
      if (el.startsWith('f:')) return `.${el.slice(2)}`;
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

/** Set of leaf paths -> FieldsV1 tree (`{"f:spec":{"f:replicas":{}}}`, with `.` for list items). */
export function toFieldsV1(fields: Set<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const sorted = [...fields].sort();
  for (const k of sorted) {
    let node = root;
    const path = parsePathKey(k);
    for (const el of path) {
      node[el] ??= {};
      node = node[el] as Record<string, unknown>;
    }
    if (path[path.length - 1]?.startsWith('k:')) node['.'] = {};
  }
  return root;
}

/** FieldsV1 tree -> set of leaf paths. */
export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: FieldPath): void => {
    if (!isPlainObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) out.add(pathKey(path));
    for (const k of keys) {
      if (k === '.') out.add(pathKey(path));
      else walk(node[k], [...path, k]);
    }
  };
  walk(tree, []);
  return out;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface Owner {
  entry: ManagedFieldsEntry;
  fields: Set<string>;
}

function owners(obj: Record<string, unknown> | undefined): Owner[] {
  const mf = ((obj?.metadata as Record<string, unknown> | undefined)?.managedFields ?? []) as ManagedFieldsEntry[];
  return mf
    .filter((e) => e && e.manager !== undefined)
    .map((entry) => ({ entry: { ...entry }, fields: fromFieldsV1(entry.fieldsV1) }));
}

function serialise(list: Owner[]): ManagedFieldsEntry[] {
  return list
    .filter((o) => o.fields.size > 0)
    .map((o) => ({ ...o.entry, fieldsType: 'FieldsV1' as const, fieldsV1: toFieldsV1(o.fields) }));
}

function isMarker(k: string): boolean {
  const p = parsePathKey(k);
  return p[p.length - 1]?.startsWith('k:') ?? false;
}

/** Drop owned paths that no longer exist in the object. */
function prune(o: Owner, next: Record<string, unknown>): void {
  for (const k of [...o.fields]) if (getAtPath(next, parsePathKey(k)) === undefined) o.fields.delete(k);
}

export interface Conflict {
  manager: string;
  path: string;
}

/** Fields the applied config sets to a value that differs from live, on fields owned by other managers. */
export function applyConflicts(
  live: Record<string, unknown> | undefined,
  applied: Record<string, unknown>,
  manager: string,
  applyFields: Set<string>,
): Conflict[] {
  const out: Conflict[] = [];
  for (const o of owners(live)) {
    if (o.entry.manager === manager) continue;
    for (const k of applyFields) {
      if (!o.fields.has(k) || isMarker(k)) continue;
      const path = parsePathKey(k);
      const want = getAtPath(applied, path);
      if (isPlainObject(want)) continue;
      if (!deepEqual(getAtPath(live, path), want)) out.push({ manager: o.entry.manager, path: k });
    }
  }
  return out;
}

/** The fields the manager owned through its previous apply. */
export function previousApplyFields(live: Record<string, unknown> | undefined, manager: string): Set<string> {
  const o = owners(live).find(
    (x) => x.entry.manager === manager && x.entry.operation === 'Apply' && !x.entry.subresource,
  );
  return o ? o.fields : new Set();
}

/** All fields owned by managers other than the given apply manager, after forced conflicts were taken away. */
export function otherOwnedFields(
  live: Record<string, unknown> | undefined,
  manager: string,
  taken: Set<string>,
): Set<string> {
  const out = new Set<string>();
  for (const o of owners(live)) {
    if (o.entry.manager === manager && o.entry.operation === 'Apply') continue;
    for (const f of o.fields) if (!taken.has(f)) out.add(f);
  }
  return out;
}

/** Deep merge of an applied configuration into the live object: maps merge, keyed lists merge by key, the rest replaces. */
export function applyMerge(live: unknown, applied: unknown, field = ''): unknown {
  if (isPlainObject(applied)) {
    const out: Record<string, unknown> = isPlainObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = applyMerge(out[k], v, k);
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const key = listKeyOf(field, applied);
    if (!key || !Array.isArray(live)) return JSON.parse(JSON.stringify(applied)) as unknown;
    const out = [...live] as Record<string, unknown>[];
    for (const item of applied as Record<string, unknown>[]) {
      const idx = out.findIndex((o) => isPlainObject(o) && key.every((k) => deepEqual(o[k], item[k])));
      if (idx >= 0) out[idx] = applyMerge(out[idx], item) as Record<string, unknown>;
      else out.push(applyMerge(undefined, item) as Record<string, unknown>);
    }
    return out;
  }
  return applied;
}

/** managedFields after an apply: the manager's Apply entry becomes exactly what it applied; forced fields leave other managers. */
export function managedFieldsAfterApply(args: {
  live: Record<string, unknown> | undefined;
  next: Record<string, unknown>;
  manager: string;
  apiVersion: string;
  applyFields: Set<string>;
  forced: Set<string>;
  now: string;
}): ManagedFieldsEntry[] {
  const list = owners(args.live);
  for (const o of list) {
    for (const f of args.forced) o.fields.delete(f);
    prune(o, args.next);
  }
  const mine = list.find(
    (o) => o.entry.manager === args.manager && o.entry.operation === 'Apply' && !o.entry.subresource,
  );
  const entry: ManagedFieldsEntry = {
    manager: args.manager,
    operation: 'Apply',
    apiVersion: args.apiVersion,
    time: args.now,
    fieldsType: 'FieldsV1',
    fieldsV1: {},
  };
  if (mine) {
    mine.entry = entry;
    mine.fields = new Set(args.applyFields);
  } else list.push({ entry, fields: new Set(args.applyFields) });
  return serialise(list);
}

/** managedFields after a create/update/patch: changed fields move to the manager's Update entry. */
export function managedFieldsAfterUpdate(args: {
  old: Record<string, unknown> | undefined;
  next: Record<string, unknown>;
  manager: string;
  apiVersion: string;
  statusSubresource: boolean;
  subresource?: string;
  now: string;
}): ManagedFieldsEntry[] {
  const opts = { statusSubresource: args.statusSubresource && args.subresource !== 'status' };
  const before = fieldsOf(args.old, opts);
  const after = fieldsOf(args.next, opts);
  const changed = new Set<string>();
  for (const k of after) {
    if (args.subresource === 'status' && !k.startsWith('f:status')) continue;
    if (!before.has(k)) changed.add(k);
    else if (!isMarker(k) && !deepEqual(getAtPath(args.old, parsePathKey(k)), getAtPath(args.next, parsePathKey(k))))
      changed.add(k);
  }
  const list = owners(args.old);
  for (const o of list) {
    for (const f of changed) o.fields.delete(f);
    prune(o, args.next);
  }
  if (changed.size > 0) {
    const sub = args.subresource;
    const mine = list.find(
      (o) => o.entry.manager === args.manager && o.entry.operation === 'Update' && o.entry.subresource === sub,
    );
    const entry: ManagedFieldsEntry = {
      manager: args.manager,
      operation: 'Update',
      apiVersion: args.apiVersion,
      time: args.now,
      fieldsType: 'FieldsV1',
      fieldsV1: {},
      ...(sub ? { subresource: sub } : {}),
    };
    if (mine) {
      mine.entry = entry;
      for (const f of changed) mine.fields.add(f);
    } else list.push({ entry, fields: changed });
  }
  return serialise(list);
}
