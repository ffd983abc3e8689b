// Server-side field validation (`fieldValidation=Strict|Warn|Ignore`): fields a body carries that the kind's schema does not declare.
import { badRequest } from './errors.js';
import { definitionOf, resolveSchema, type Schema } from './openapi.js';
import { isPlainObject } from './jsonValue.js';

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

/** The object a server-side apply is for, named in its error as kube-apiserver names it. */
export interface ApplyTarget {
  namespace?: string;
  name: string;
}

/**
 * Apply a request's fieldValidation directive to its body: Strict fails with 400, Warn (the default) returns the warnings
 * to send; unless Strict, unknown fields are dropped, as decoding into Go types drops them (patch directives stay).
 */
export function validateFields(
  body: unknown,
  gvk: { group: string; version: string; kind: string },
  directive: string | null,
  apply?: ApplyTarget,
): string[] {
  if (!isPlainObject(body)) return [];
  const name = definitionOf(gvk);
  const unknown = name ? unknownFields(body, { $ref: `#/definitions/${name}` }, directive !== 'Strict') : [];
  if (directive === 'Ignore' || unknown.length === 0) return [];
  if (directive === 'Strict') {
    if (apply) {
      const gv = gvk.group ? `${gvk.group}/${gvk.version}` : `/${gvk.version}`;
      const nn = apply.namespace ? `${apply.namespace}/${apply.name}` : apply.name;
      throw badRequest(
        `failed to create typed patch object (${nn}; ${gv}, Kind=${gvk.kind}): ${unknown.map((f) => `.${f}: field not declared in schema`).join(', ')}`,
      );
    }
    const list = unknown.map((f) => `unknown field "${f}"`).join(', ');
    throw badRequest(
      `${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: strict decoding error: ${list}`,
    );
  }
  return unknown.map((f) => `unknown field "${f}"`);
}
