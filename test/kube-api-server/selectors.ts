// Label and field selectors in the syntax the API server accepts in `labelSelector` / `fieldSelector`.
import { badRequest } from './errors.js';

type Requirement =
  | { op: 'exists' | '!'; key: string }
  | { op: '=' | '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

export type LabelSelector = (labels: Record<string, string>) => boolean;

/** Split on commas that are not inside a `(...)` value set. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(term: string): Requirement {
  let m = /^!\s*([A-Za-z0-9._\/-]+)$/.exec(term);
  if (m) return { op: '!', key: m[1] };
  m = /^([A-Za-z0-9._\/-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m)
    return {
      op: m[2] as 'in' | 'notin',
      key: m[1],
      values: m[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    };
  m = /^([A-Za-z0-9._\/-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)$/.exec(term);
  if (m) return { op: m[2] === '!=' ? '!=' : '=', key: m[1], value: m[3] };
  m = /^([A-Za-z0-9._\/-]+)$/.exec(term);
  if (m) return { op: 'exists', key: m[1] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matches(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  switch (req.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
      return has && labels[req.key] === req.value;
    case '!=':
      return !has || labels[req.key] !== req.value;
    case 'in':
      return has && req.values.includes(labels[req.key]);
    case 'notin':
      return !has || !req.values.includes(labels[req.key]);
  }
}

/** Parse a `labelSelector` query value. */
export function parseLabelSelector(s: string | null | undefined): LabelSelector {
  if (!s) return () => true;
  const reqs = splitTopLevel(s).map(parseRequirement);
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

/** A structured `metav1.LabelSelector` (matchLabels / matchExpressions) as used in Deployment.spec.selector. */
export interface StructuredSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function structuredSelector(sel: StructuredSelector | undefined): LabelSelector {
  // An empty selector matches nothing for workloads; callers validate that a selector is present.
  if (!sel) return () => false;
  return (labels) => {
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels?.[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
      const has = labels != null && k(labels, e.key);
      const val = labels?.[e.key];
      switch (e.operator) {
        case 'In':
          if (!has || !(e.values ?? []).includes(val)) return false;
          break;
        case 'NotIn':
          if (has && (e.values ?? []).includes(val)) return false;
          break;
        case 'Exists':
          if (!has) return false;
          break;
        case 'DoesNotExist':
          if (has) return false;
          break;
      }
    }
    return true;
  };
}

function k(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Parse a `fieldSelector`: `=`, `==`, `!=` on dotted paths such as metadata.name, metadata.namespace, status.phase, spec.nodeName, involvedObject.name. */
export function parseFieldSelector(s: string | null | undefined): (obj: Record<string, unknown>) => boolean {
  if (!s) return () => true;
  const reqs = splitTopLevel(s).map((term) => {
    const m = /^([A-Za-z0-9.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${term}'`);
    return { path: m[1].split('.'), neg: m[2] === '!=', value: m[3] };
  });
  return (obj) =>
    reqs.every((r) => {
      let cur: unknown = obj;
      for (const p of r.path)
        cur = cur != null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
      const v = cur == null ? '' : String(cur);
      return r.neg ? v !== r.value : v === r.value;
    });
}
