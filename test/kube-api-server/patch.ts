// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a strategic-merge approximation.
import { ApiError, badRequest } from './errors.js';
import { listKeyOf } from './fields.js';
import { clone, deepEqual, isPlainObject } from './jsonValue.js';

type Json = unknown;

/** RFC 7386: objects merge, null deletes, everything else (arrays included) replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Where a strategic merge looks up how a list merges: the field's schema (with Kubernetes' patch extensions), if known. */
export interface PatchSchema {
  /** The schema of a property or map value, refs resolved; undefined when not declared. */
  child(key: string): PatchSchema | undefined;
  /** The schema of a list's items. */
  items(): PatchSchema | undefined;
  /** x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key of this (list) field. */
  strategy(): { merge: boolean; key?: string };
}

/** How a list merges: by the schema when there is one (merge key, or union for scalars; otherwise replaced), else by field name. */
function listMerge(
  field: string,
  patch: unknown[],
  schema: PatchSchema | undefined,
): { key?: string[]; union?: boolean } {
  if (!schema) return { key: listKeyOf(field, patch) };
  const { merge, key } = schema.strategy();
  if (!merge) return {};
  return key ? { key: [key] } : { union: true };
}

/**
 * Strategic merge patch: like a merge patch, but lists whose schema says `x-kubernetes-patch-strategy: merge` merge item by
 * item on `x-kubernetes-patch-merge-key` (scalar lists as sets), `$patch: delete` / `$patch: replace` work, and the
 * directives kubectl's three-way patches carry are applied. Without a schema, lists of objects with a name merge by name.
 */
export function strategicMergePatch(target: Json, patch: Json, field = '', schema?: PatchSchema): Json {
  if (Array.isArray(patch)) {
    const { key, union } = listMerge(field, patch, schema);
    if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace'))
      return clone(patch.filter((p) => !(isPlainObject(p) && p.$patch)));
    if (union && Array.isArray(target))
      return [...clone(target), ...clone(patch).filter((p) => !target.some((t) => deepEqual(t, p)))];
    if (!key || !Array.isArray(target)) return clone(patch.filter((p) => !(isPlainObject(p) && p.$patch === 'delete')));
    const out = clone(target) as Record<string, unknown>[];
    const itemSchema = schema?.items();
    for (const item of patch as Record<string, unknown>[]) {
      const idx = out.findIndex((o) => key.every((k) => deepEqual(o?.[k], item[k])));
      if (item.$patch === 'delete') {
        if (idx >= 0) out.splice(idx, 1);
      } else if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item, '', itemSchema) as Record<string, unknown>;
      else out.push(strategicMergePatch({}, item, '', itemSchema) as Record<string, unknown>);
    }
    return out;
  }
  if (!isPlainObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const out: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k, schema?.child(k));
  }
  applyDirectives(out, patch, schema);
  return out;
}

/** The strategic-merge directives kubectl's three-way patches carry: $retainKeys, $deleteFromPrimitiveList/x, $setElementOrder/x. */
function applyDirectives(
  out: Record<string, unknown>,
  patch: Record<string, unknown>,
  schema: PatchSchema | undefined,
): void {
  for (const [k, v] of Object.entries(patch)) {
    if (!Array.isArray(v)) continue;
    if (k === '$retainKeys') {
      for (const key of Object.keys(out)) if (!v.includes(key)) delete out[key];
    } else if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]))
        out[field] = (out[field] as unknown[]).filter((x) => !v.some((d) => deepEqual(d, x)));
    } else if (k.startsWith('$setElementOrder/')) {
      const field = k.slice('$setElementOrder/'.length);
      const list = out[field];
      if (!Array.isArray(list)) continue;
      const { key } = listMerge(field, v, schema?.child(field));
      const rank = (item: unknown): number => {
        const i = v.findIndex((o) =>
          key && isPlainObject(o) && isPlainObject(item)
            ? key.every((kk) => deepEqual(o[kk], item[kk]))
            : deepEqual(o, item),
        );
        return i < 0 ? v.length : i;
      };
      out[field] = list
        .map((item, i) => ({ item, i }))
        .sort((a, b) => rank(a.item) - rank(b.item) || a.i - b.i)
        .map((x) => x.item);
    }
  }
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`JSON patch path "${path}" must start with /`);
  return path.slice(1).split('/').map(unescape);
}

function getParent(
  doc: Json,
  tokens: string[],
  path: string,
): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined)
      throw badRequest(
        `the server rejected our request due to an error in our request: doc is missing path: "${path}"`,
      );
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw badRequest(`doc is missing path: "${path}"`);
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function getAt(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const t of parsePointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isPlainObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw badRequest(`doc is missing path: "${path}"`);
  }
  return cur;
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy, test. */
export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('json patch must be a list of operations');
  let doc = clone(target);
  for (const op of ops as { op: string; path: string; value?: unknown; from?: string }[]) {
    const tokens = parsePointer(op.path);
    const remove = (): Json => {
      const { parent, key } = getParent(doc, tokens, op.path);
      if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
      if (!(key in parent)) throw badRequest(`Unable to remove nonexistent key: ${key}: missing value`);
      const old = parent[key];
      delete parent[key];
      return old;
    };
    const add = (value: Json): void => {
      if (tokens.length === 0) {
        doc = clone(value);
        return;
      }
      const { parent, key } = getParent(doc, tokens, op.path);
      if (Array.isArray(parent)) {
        const idx = key === '-' ? parent.length : Number(key);
        if (!(idx >= 0 && idx <= parent.length)) throw badRequest(`add operation index out of bounds: ${key}`);
        parent.splice(idx, 0, clone(value));
      } else parent[key] = clone(value);
    };
    switch (op.op) {
      case 'add':
        add(op.value);
        break;
      case 'remove':
        remove();
        break;
      case 'replace':
        getAt(doc, op.path);
        if (tokens.length === 0) doc = clone(op.value);
        else {
          const { parent, key } = getParent(doc, tokens, op.path);
          if (Array.isArray(parent)) parent[Number(key)] = clone(op.value);
          else parent[key] = clone(op.value);
        }
        break;
      case 'move': {
        const v = getAt(doc, op.from ?? '');
        const fromTokens = parsePointer(op.from ?? '');
        const { parent, key } = getParent(doc, fromTokens, op.from ?? '');
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        add(v);
        break;
      }
      case 'copy':
        add(getAt(doc, op.from ?? ''));
        break;
      case 'test':
        if (!deepEqual(getAt(doc, op.path), op.value))
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${op.path} failed`,
          );
        break;
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
