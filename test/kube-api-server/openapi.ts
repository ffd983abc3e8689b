// The OpenAPI v2 and v3 documents of the served kinds, built from Kubernetes' own definitions (data/openapi-definitions.json).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PatchSchema } from './patch.js';
import {
  queryParamDescriptions,
  queryParamTypes,
  resourcePaths,
  type Operation,
  type PathEntry,
} from './openapiPaths.js';
import { groupVersion, resourceTypes } from './resources.js';

export type Schema = Record<string, unknown>;

/** The upstream definitions, keyed by name (io.k8s.api.apps.v1.Deployment). */
export const definitions = JSON.parse(
  readFileSync(new URL('./data/openapi-definitions.json', import.meta.url), 'utf8'),
) as Record<string, Schema>;

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const byGvk = new Map<string, string>();
for (const [name, d] of Object.entries(definitions)) {
  for (const g of (d['x-kubernetes-group-version-kind'] ?? []) as Gvk[])
    byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
}

/** The definition name of a group-version-kind, if Kubernetes has one. */
export function definitionOf(gvk: Gvk): string | undefined {
  return byGvk.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
}

const refName = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);

/** Names of all definitions a value refers to, transitively. */
function closure(roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(visit);
    else if (x && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if (k === '$ref' && typeof v === 'string') {
          const n = refName(v);
          if (!seen.has(n) && definitions[n]) {
            seen.add(n);
            visit(definitions[n]);
          }
        } else visit(v);
      }
    }
  };
  for (const r of roots)
    if (definitions[r]) {
      seen.add(r);
      visit(definitions[r]);
    }
  return [...seen].sort();
}

// Kinds the server does not serve (a Deployment's kin ControllerRevision, say) must not show up as kinds.
const servedGvks = new Set(
  resourceTypes
    .flatMap((t) => [`${t.group}/${t.version}/${t.kind}`, `${t.group}/${t.version}/${t.kind}List`])
    .concat(['autoscaling/v1/Scale']),
);
// Status, DeleteOptions and WatchEvent carry a GVK per group version that uses them; keep the served ones.
const metaKinds = ['Status', 'DeleteOptions', 'WatchEvent'];
const servedGroupVersions = new Set(resourceTypes.map((t) => `${t.group}/${t.version}`));
function withServedGvks(d: Schema): Schema {
  const gvks = d['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
  if (!gvks) return d;
  const kept = gvks.filter(
    (g) =>
      (metaKinds.includes(g.kind) && servedGroupVersions.has(`${g.group}/${g.version}`)) ||
      servedGvks.has(`${g.group}/${g.version}/${g.kind}`),
  );
  const { 'x-kubernetes-group-version-kind': _drop, ...rest } = d;
  return kept.length ? { ...rest, 'x-kubernetes-group-version-kind': kept } : rest;
}

const schemaRef = (v3: boolean, name: string): Schema =>
  name === 'string' ? { type: 'string' } : { $ref: v3 ? `#/components/schemas/${name}` : `#/definitions/${name}` };

/** A v2 schema in v3 form: refs point at components, and a ref with siblings is wrapped in allOf as kube-openapi does. */
function toV3(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(toV3);
  if (!x || typeof x !== 'object') return x;
  const o = x as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(o)) if (k !== '$ref') out[k] = toV3(v);
  if (typeof o.$ref !== 'string') return out;
  const ref = { $ref: `#/components/schemas/${refName(o.$ref)}` };
  return Object.keys(out).length === 0 ? ref : { allOf: [ref], ...out };
}

function parameterV2(name: string, inPath: boolean): Schema {
  if (inPath)
    return {
      name,
      in: 'path',
      required: true,
      type: 'string',
      uniqueItems: true,
      description:
        name === 'namespace' ? 'object name and auth scope, such as for teams and projects' : 'name of the resource',
    };
  return {
    name,
    in: 'query',
    type: queryParamTypes[name] ?? 'string',
    uniqueItems: true,
    description: queryParamDescriptions[name],
  };
}

function parameterV3(name: string, inPath: boolean): Schema {
  const { type, uniqueItems, ...rest } = parameterV2(name, inPath);
  return { ...rest, schema: { type, uniqueItems } };
}

const produces = ['application/json'];

function operationV2(o: Operation): Schema {
  return {
    operationId: o.operationId,
    description: o.description,
    tags: [tagOf(o.gvk)],
    consumes: o.consumes,
    produces,
    schemes: ['https'],
    parameters: [
      ...(o.body
        ? [{ name: 'body', in: 'body', required: o.method !== 'delete', schema: schemaRef(false, o.body) }]
        : []),
      ...o.query.map((q) => parameterV2(q, false)),
    ],
    responses: {
      200: { description: 'OK', schema: schemaRef(false, o.response) },
      ...(o.method === 'post' ? { 201: { description: 'Created', schema: schemaRef(false, o.response) } } : {}),
      401: { description: 'Unauthorized' },
    },
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

function operationV3(o: Operation): Schema {
  const content = (types: string[], name: string): Schema =>
    Object.fromEntries(types.map((t) => [t, { schema: schemaRef(true, name) }]));
  return {
    operationId: o.operationId,
    description: o.description,
    tags: [tagOf(o.gvk)],
    parameters: o.query.map((q) => parameterV3(q, false)),
    ...(o.body
      ? {
          requestBody: {
            content: content(o.consumes.includes('*/*') ? ['*/*'] : o.consumes, o.body),
            required: o.method !== 'delete',
          },
        }
      : {}),
    responses: {
      200: { description: 'OK', content: content(produces, o.response) },
      ...(o.method === 'post' ? { 201: { description: 'Created', content: content(produces, o.response) } } : {}),
      401: { description: 'Unauthorized' },
    },
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

function tagOf(gvk: Gvk): string {
  return `${(gvk.group || 'core').replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${gvk.version}`;
}

function pathItem(e: PathEntry, v3: boolean): Schema {
  const item: Schema = {
    parameters: [
      ...e.pathParams.map((p) => (v3 ? parameterV3(p, true) : parameterV2(p, true))),
      v3 ? parameterV3('pretty', false) : parameterV2('pretty', false),
    ],
  };
  for (const o of e.ops) item[o.method] = v3 ? operationV3(o) : operationV2(o);
  return item;
}

let cache: { v2: Schema; v3: Map<string, { doc: Schema; hash: string }> } | undefined;

function build(): NonNullable<typeof cache> {
  const entries = resourcePaths(definitionOf);
  const refsOf = (es: PathEntry[]): string[] =>
    es.flatMap((e) => e.ops.flatMap((o) => [o.body, o.response].filter((n): n is string => !!n && n !== 'string')));
  const v2: Schema = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: Object.fromEntries(entries.map((e) => [e.path, pathItem(e, false)])),
    definitions: Object.fromEntries(closure(refsOf(entries)).map((n) => [n, withServedGvks(definitions[n])])),
    securityDefinitions: {
      BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' },
    },
    security: [{ BearerToken: [] }],
  };
  const v3 = new Map<string, { doc: Schema; hash: string }>();
  for (const gv of new Set(resourceTypes.map(groupVersion))) {
    const gvPath = gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
    const mine = entries.filter((e) => e.path.startsWith(`/${gvPath}/`));
    const doc: Schema = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: 'unversioned' },
      paths: Object.fromEntries(mine.map((e) => [e.path, pathItem(e, true)])),
      components: {
        schemas: Object.fromEntries(closure(refsOf(mine)).map((n) => [n, toV3(withServedGvks(definitions[n]))])),
        securitySchemes: {
          BearerToken: {
            type: 'apiKey',
            description: 'Bearer Token authentication',
            name: 'authorization',
            in: 'header',
          },
        },
      },
      security: [{ BearerToken: [] }],
    };
    v3.set(gvPath, { doc, hash: createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase() });
  }
  return { v2, v3 };
}

function docs(): NonNullable<typeof cache> {
  cache ??= build();
  return cache;
}

/** The Swagger 2.0 document served at /openapi/v2. */
export function openApiV2(): Schema {
  return docs().v2;
}

/** The /openapi/v3 discovery document: one entry per group version, its URL carrying the document's hash. */
export function openApiV3Index(): Schema {
  return {
    paths: Object.fromEntries(
      [...docs().v3].map(([p, { hash }]) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` }]),
    ),
  };
}

/** The OpenAPI 3 document of one group version (`api/v1`, `apis/apps/v1`) and its hash, or undefined. */
export function openApiV3(gvPath: string): { doc: Schema; hash: string } | undefined {
  return docs().v3.get(gvPath);
}

/** A schema with its $ref followed (the definitions use $ref alone, never allOf). */
export function resolveSchema(s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 50; i++) cur = definitions[refName(cur.$ref)];
  return cur;
}

/** A field's schema as strategic merge patch reads it: children, list items, and the patch strategy extensions. */
class DefinitionPatchSchema implements PatchSchema {
  constructor(private readonly raw: Schema) {}

  child(key: string): PatchSchema | undefined {
    const r = resolveSchema(this.raw);
    const props = r?.properties as Record<string, Schema> | undefined;
    const extra = r?.additionalProperties;
    const s = props?.[key] ?? (extra && typeof extra === 'object' ? (extra as Schema) : undefined);
    return s ? new DefinitionPatchSchema(s) : undefined;
  }

  items(): PatchSchema | undefined {
    const it = resolveSchema(this.raw)?.items as Schema | undefined;
    return it ? new DefinitionPatchSchema(it) : undefined;
  }

  strategy(): { merge: boolean; key?: string } {
    const strategy = String(this.raw['x-kubernetes-patch-strategy'] ?? '');
    const key = this.raw['x-kubernetes-patch-merge-key'];
    return { merge: strategy.split(',').includes('merge'), key: typeof key === 'string' ? key : undefined };
  }
}

/** The strategic-merge view of a kind's schema, or undefined for a kind without a definition. */
export function patchSchemaOf(gvk: Gvk): PatchSchema | undefined {
  const name = definitionOf(gvk);
  return name ? new DefinitionPatchSchema({ $ref: `#/definitions/${name}` }) : undefined;
}
