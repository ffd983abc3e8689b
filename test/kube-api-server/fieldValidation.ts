// Server-side field validation (`fieldValidation=Strict|Warn|Ignore`): fields a body carries that the kind's schema does not declare.
import { badRequest } from './errors.js';
import { definitionOf, resolveSchema, type Schema } from './openapi.js';
import { isPlainObject } from './patch.js';

/** Strategic-merge-patch directives are not fields. */
const isDirective = (key: string): boolean => key.startsWith('$');

/** Dotted paths of the fields in `value` that `schema` does not declare (`spec.replica`, `spec.template.spec.containers[0].imagePullPolcy`); `prune` removes them. */
export function unknownFields(value: unknown, schema: Schema | undefined, prune = false, path = ''): string[] {
  const s = resolveSchema(schema);
  if (!s) return [];
  if (Array.isArray(value)) {
    const items = s.items as Schema | undefined;
    return items ? value.flatMap((v, i) => unknownFields(v, items, prune, `${path}[${i}]`)) : [];
  }
  if (!isPlainObject(value)) return [];
  const props = s.properties as Record<string, Schema> | undefined;
  const extra = s.additionalProperties as Schema | boolean | undefined;
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (isDirective(k)) continue;
    const p = path ? `${path}.${k}` : k;
    if (props?.[k]) out.push(...unknownFields(v, props[k], prune, p));
    else if (isPlainObject(extra)) out.push(...unknownFields(v, extra, prune, p));
    // A schema with neither properties nor additionalProperties (RawExtension, FieldsV1) takes anything.
    else if (props) {
      out.push(p);
      if (prune) delete value[k];
    }
  }
  return out;
}

/**
 * Apply a request's fieldValidation directive to its body: Strict fails with 400, Warn (the default) returns the warnings
 * to send; unless Strict, unknown fields are dropped when `prune` (a whole object, as on create and update).
 */
export function validateFields(body: unknown, gvk: { group: string; version: string; kind: string }, directive: string | null, prune: boolean): string[] {
  if (!isPlainObject(body)) return [];
  const name = definitionOf(gvk);
  const unknown = name ? unknownFields(body, { $ref: `#/definitions/${name}` }, prune && directive !== 'Strict') : [];
  if (directive === 'Ignore') return [];
  if (unknown.length === 0) return [];
  if (directive === 'Strict') {
    const list = unknown.map((f) => `unknown field "${f}"`).join(', ');
    throw badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: strict decoding error: ${list}`);
  }
  return unknown.map((f) => `unknown field "${f}"`);
}
