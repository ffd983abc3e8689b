// Loading raw Kubernetes manifests from YAML files, directories and minimal kustomizations.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PctlError } from '@pctl/core';
import type { KubeObject } from './types.js';

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
  'CustomResourceDefinition',
  'IngressClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
]);

/** Whether objects of this kind live in a namespace (unknown kinds, e.g. custom resources, are assumed namespaced). */
export function isNamespaced(kind: string): boolean {
  return !CLUSTER_SCOPED.has(kind);
}

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'commonLabels',
  'commonAnnotations',
  'namePrefix',
]);

function invalid(message: string, hint?: string, cause?: unknown): PctlError {
  return new PctlError({
    code: 'InvalidConfig',
    fault: 'user',
    message,
    ...(hint ? { hint } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Ctx {
  baseDir: string;
  realBase: string;
  /** Kustomization files being read (cycle detection). */
  stack: string[];
}

/**
 * Reads manifests from files (relative to baseDir): multi-document YAML, `List` kinds flattened,
 * empty documents skipped; a `kustomization.yaml` (or a directory holding one) is read as a minimal
 * kustomization. Every path must stay inside baseDir.
 */
export function loadManifests(files: string[], baseDir: string): KubeObject[] {
  const base = path.resolve(baseDir);
  let realBase = base;
  try {
    realBase = fs.realpathSync(base);
  } catch {
    // a missing baseDir shows up as unreadable files below
  }
  const ctx: Ctx = { baseDir: base, realBase, stack: [] };
  const out: KubeObject[] = [];
  for (const f of files) out.push(...loadEntry(f, base, ctx, `manifest "${f}"`));
  return out;
}

function display(ctx: Ctx, abs: string): string {
  const rel = path.relative(ctx.baseDir, abs);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

/** Resolves `p` against `dir`, rejecting anything that leaves baseDir (lexically or through a symlink). */
function resolveInside(p: string, dir: string, ctx: Ctx, what: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p))
    throw invalid(`${what}: remote resources are not supported (only local files and directories)`);
  const abs = path.resolve(dir, p);
  const outside = (root: string, target: string) => {
    const rel = path.relative(root, target);
    return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  };
  if (outside(ctx.baseDir, abs)) {
    throw invalid(
      `${what}: path "${p}" is outside the stack folder ${ctx.baseDir}`,
      'manifests must be inside the folder of the stack file',
    );
  }
  let real: string | undefined;
  try {
    real = fs.realpathSync(abs);
  } catch {
    real = undefined;
  }
  if (real !== undefined && outside(ctx.realBase, real)) {
    throw invalid(`${what}: path "${p}" resolves (through a symbolic link) outside the stack folder ${ctx.baseDir}`);
  }
  return abs;
}

function loadEntry(p: string, dir: string, ctx: Ctx, what: string): KubeObject[] {
  const abs = resolveInside(p, dir, ctx, what);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (e) {
    throw invalid(`cannot read manifest ${display(ctx, abs)}: ${(e as Error).message}`, undefined, e);
  }
  if (stat.isDirectory()) {
    const k = KUSTOMIZATION_NAMES.map((n) => path.join(abs, n)).find((f) => fs.existsSync(f));
    if (!k)
      throw invalid(
        `manifest directory ${display(ctx, abs)} has no kustomization.yaml`,
        'list the YAML files themselves, or add a kustomization.yaml',
      );
    return loadKustomization(k, ctx);
  }
  if (KUSTOMIZATION_NAMES.includes(path.basename(abs))) return loadKustomization(abs, ctx);
  return parseFile(abs, ctx);
}

function readText(abs: string, ctx: Ctx): string {
  try {
    return fs.readFileSync(abs, 'utf8');
  } catch (e) {
    throw invalid(`cannot read manifest ${display(ctx, abs)}: ${(e as Error).message}`, undefined, e);
  }
}

/** Parses a YAML stream into its non-empty documents' values. */
function parseDocs(abs: string, ctx: Ctx): Array<{ index: number; value: unknown }> {
  const text = readText(abs, ctx);
  const name = display(ctx, abs);
  const docs = parseAllDocuments(text, { prettyErrors: true });
  // An empty stream (only comments/directives) is an empty array here.
  const list = [...docs];
  const out: Array<{ index: number; value: unknown }> = [];
  list.forEach((doc, i) => {
    const index = i + 1;
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const pos = err.linePos?.[0];
      const text = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
      const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      throw invalid(`manifest ${name} (document ${index}): YAML syntax error${at}: ${text}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      throw invalid(`manifest ${name} (document ${index}): ${(e as Error).message}`, undefined, e);
    }
    if (value === null || value === undefined) return;
    out.push({ index, value });
  });
  return out;
}

function checkObject(v: unknown, where: string): KubeObject {
  if (!isRecord(v))
    throw invalid(`${where} is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata.name)`);
  const missing: string[] = [];
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') missing.push('apiVersion');
  if (typeof v.kind !== 'string' || v.kind === '') missing.push('kind');
  if (!isRecord(v.metadata) || typeof v.metadata.name !== 'string' || v.metadata.name === '')
    missing.push('metadata.name');
  if (missing.length > 0)
    throw invalid(
      `${where} has no ${missing.join(', ')}`,
      'every manifest document needs apiVersion, kind and metadata.name',
    );
  return v as unknown as KubeObject;
}

function parseFile(abs: string, ctx: Ctx): KubeObject[] {
  const name = display(ctx, abs);
  const out: KubeObject[] = [];
  for (const { index, value } of parseDocs(abs, ctx)) {
    const where = `manifest ${name} (document ${index})`;
    if (
      isRecord(value) &&
      typeof value.kind === 'string' &&
      value.kind.endsWith('List') &&
      Array.isArray(value.items)
    ) {
      value.items.forEach((item, j) => out.push(checkObject(item, `${where} item ${j + 1}`)));
      continue;
    }
    out.push(checkObject(value, where));
  }
  return out;
}

function stringMap(v: unknown, field: string, where: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isRecord(v)) throw invalid(`${where}: ${field} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')
      throw invalid(`${where}: ${field}.${k} must be a string`);
    out[k] = String(x);
  }
  return out;
}

const SELECTOR_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

function loadKustomization(abs: string, ctx: Ctx): KubeObject[] {
  const name = display(ctx, abs);
  if (ctx.stack.includes(abs))
    throw invalid(
      `kustomization ${name} includes itself (${[...ctx.stack, abs].map((s) => display(ctx, s)).join(' → ')})`,
    );
  const docs = parseDocs(abs, ctx);
  if (docs.length !== 1 || !isRecord(docs[0]!.value))
    throw invalid(`kustomization ${name} must hold exactly one YAML mapping`);
  const k = docs[0]!.value as Record<string, unknown>;
  const where = `kustomization ${name}`;
  const unsupported = Object.keys(k).filter((f) => !KUSTOMIZATION_FIELDS.has(f));
  if (unsupported.length > 0) {
    throw invalid(
      `${where}: field${unsupported.length > 1 ? 's' : ''} ${unsupported.map((f) => `"${f}"`).join(', ')} not supported by pctl`,
      'pctl reads only resources, namespace, commonLabels, commonAnnotations and namePrefix; render other kustomizations with `kubectl kustomize` and list the output',
    );
  }
  if (k.resources !== undefined && (!Array.isArray(k.resources) || k.resources.some((r) => typeof r !== 'string'))) {
    throw invalid(`${where}: resources must be a list of paths`);
  }
  if (k.namespace !== undefined && typeof k.namespace !== 'string')
    throw invalid(`${where}: namespace must be a string`);
  if (k.namePrefix !== undefined && typeof k.namePrefix !== 'string')
    throw invalid(`${where}: namePrefix must be a string`);
  const commonLabels = stringMap(k.commonLabels, 'commonLabels', where);
  const commonAnnotations = stringMap(k.commonAnnotations, 'commonAnnotations', where);
  const namespace = k.namespace as string | undefined;
  const namePrefix = (k.namePrefix as string | undefined) ?? '';

  const dir = path.dirname(abs);
  ctx.stack.push(abs);
  const objects: KubeObject[] = [];
  try {
    for (const r of (k.resources as string[] | undefined) ?? [])
      objects.push(...loadEntry(r, dir, ctx, `${where}: resource "${r}"`));
  } finally {
    ctx.stack.pop();
  }

  return objects.map((o) => {
    const obj = structuredClone(o);
    const md = obj.metadata;
    if (namePrefix) md.name = `${namePrefix}${md.name}`;
    if (namespace !== undefined && isNamespaced(obj.kind)) md.namespace = namespace;
    if (Object.keys(commonLabels).length > 0) {
      md.labels = { ...(md.labels ?? {}), ...commonLabels };
      const spec = obj.spec as Record<string, unknown> | undefined;
      if (isRecord(spec)) {
        if (obj.kind === 'Service' && obj.apiVersion === 'v1')
          spec.selector = { ...(isRecord(spec.selector) ? spec.selector : {}), ...commonLabels };
        if (SELECTOR_KINDS.has(obj.kind)) {
          const sel = isRecord(spec.selector) ? spec.selector : {};
          spec.selector = {
            ...sel,
            matchLabels: { ...(isRecord(sel.matchLabels) ? sel.matchLabels : {}), ...commonLabels },
          };
        }
        if (isRecord(spec.template)) {
          const tmd = isRecord(spec.template.metadata) ? spec.template.metadata : {};
          spec.template.metadata = { ...tmd, labels: { ...(isRecord(tmd.labels) ? tmd.labels : {}), ...commonLabels } };
        }
      }
    }
    if (Object.keys(commonAnnotations).length > 0) md.annotations = { ...(md.annotations ?? {}), ...commonAnnotations };
    return obj;
  });
}
