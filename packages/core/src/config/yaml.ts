// The stack file's YAML to plain values, with the line of every path. Guards what the YAML
// library would do badly: deep nesting (stack overflow), alias bombs, duplicate keys (its
// check is quadratic: 40,000 keys took 15 s), keys that are not strings, `__proto__`.
// Env values and build args keep the text they were written as (`007`, `1.10`, `0x1F`).
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { ConfigIssue } from './issues.js';
import { tooDeepAt } from './nesting.js';

/** Deepest nesting of maps and lists a stack file may have. */
export const MAX_DEPTH = 64;
/** Most values YAML aliases may expand to, in all. */
export const MAX_ALIAS_VALUES = 100_000;

export interface ParsedYaml {
  value: unknown;
  /** The line of a path, or of the nearest enclosing path that exists. */
  lineOf: (p: readonly (string | number)[]) => number | undefined;
  issues: ConfigIssue[];
}

const keyOf = (p: readonly (string | number)[]) => p.join('\u0000');

// Paths whose scalars keep their source text: container environment and build args.
function keepsSourceText(p: readonly (string | number)[]): boolean {
  return (
    p[0] === 'services' &&
    ((p.length === 4 && p[2] === 'env') || (p.length === 5 && p[2] === 'build' && p[3] === 'args'))
  );
}

/** Parses stack-file YAML; issues (with lines) instead of throwing. */
export function parseStackYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const lines = new Map<string, number>();
  const lineOf = (p: readonly (string | number)[]) => {
    for (let n = p.length; n >= 0; n--) {
      const l = lines.get(keyOf(p.slice(0, n)));
      if (l !== undefined) return l;
    }
    return undefined;
  };
  const deep = tooDeepAt(text, MAX_DEPTH * 2);
  if (deep !== undefined) {
    return {
      value: undefined,
      lineOf,
      issues: [
        {
          path: '',
          line: deep,
          message: `nested more than ${MAX_DEPTH * 2} levels deep; a stack file needs far fewer`,
        },
      ],
    };
  }
  // uniqueKeys: false — the library's duplicate check is quadratic; toValue checks in linear time.
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
    strict: true,
    stringKeys: false,
  });
  if (doc.errors.length) {
    return {
      value: undefined,
      lineOf,
      issues: doc.errors.map((e) => ({
        path: '',
        line: lineAt(e.pos[0]),
        message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
      })),
    };
  }
  const issues: ConfigIssue[] = [];
  const show = (p: readonly (string | number)[]) => p.join('.');
  let aliasBudget = MAX_ALIAS_VALUES;
  const sizes = new Map<YamlNode, number>();

  // Values under a node, aliases counted by what they expand to (memoized; cycles count once).
  const sizeOf = (node: unknown, seen: Set<unknown>): number => {
    if (!node || typeof node !== 'object') return 1;
    const known = sizes.get(node as YamlNode);
    if (known !== undefined) return known;
    if (seen.has(node)) return 1;
    seen.add(node);
    let n = 1;
    if (isAlias(node)) n = sizeOf(node.resolve(doc as Document), seen);
    else if (isMap(node)) for (const pair of node.items) n += sizeOf(pair.value, seen);
    else if (isSeq(node)) for (const item of node.items) n += sizeOf(item, seen);
    n = Math.min(n, MAX_ALIAS_VALUES + 1);
    sizes.set(node as YamlNode, n);
    return n;
  };

  class TooMuch extends Error {}
  const expanding: unknown[] = [];
  let aliasAt: { path: (string | number)[]; line: number | undefined } = { path: [], line: undefined };
  const toValue = (node: unknown, p: (string | number)[], depth: number, record: boolean): unknown => {
    if (depth > MAX_DEPTH) {
      issues.push({
        path: show(p),
        line: lineOf(p),
        message: `nested more than ${MAX_DEPTH} levels deep; a stack file needs far fewer`,
      });
      throw new TooMuch();
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(doc as Document);
      if (!target) {
        issues.push({ path: show(p), line: lineAt(node.range?.[0]), message: `alias *${node.source} names no anchor` });
        return null;
      }
      if (expanding.includes(target)) {
        issues.push({
          path: show(p),
          line: lineAt(node.range?.[0]),
          message: `alias *${node.source} refers to the value that contains it`,
        });
        return null;
      }
      aliasBudget -= sizeOf(target, new Set());
      if (aliasBudget < 0) {
        // Named where the outermost alias being expanded is written.
        const where = expanding.length ? aliasAt : { path: p, line: lineAt(node.range?.[0]) };
        issues.push({
          path: show(where.path),
          line: where.line,
          message: `YAML aliases expand to more than ${MAX_ALIAS_VALUES} values; alias bombs are refused`,
        });
        throw new TooMuch();
      }
      if (!expanding.length) aliasAt = { path: p, line: lineAt(node.range?.[0]) };
      expanding.push(target);
      try {
        return toValue(target, p, depth, false);
      } finally {
        expanding.pop();
      }
    }
    if (isScalar(node)) {
      const v = node.value;
      if (
        keepsSourceText(p) &&
        (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') &&
        typeof node.source === 'string'
      )
        return node.source;
      return typeof v === 'bigint' ? Number(v) : v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const q = [...p, i];
        if (record) lines.set(keyOf(q), lineAt((item as YamlNode | null)?.range?.[0]) ?? lineOf(p) ?? 1);
        return toValue(item, q, depth + 1, record);
      });
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const pair of node.items) {
        let keyNode = pair.key as unknown;
        const line =
          lineAt((keyNode as YamlNode | null)?.range?.[0]) ??
          lineAt((pair.value as YamlNode | null)?.range?.[0]) ??
          lineOf(p);
        if (isAlias(keyNode)) keyNode = keyNode.resolve(doc as Document);
        if (!isScalar(keyNode)) {
          issues.push({
            path: show(p),
            line,
            message: keyNode ? 'a map key must be a string, not a list or a map' : 'a map entry has no key',
          });
          continue;
        }
        const k = keyNode.value;
        if (typeof k !== 'string') {
          const src = String(keyNode.source ?? k);
          issues.push({
            path: show(p),
            line,
            message:
              k === null
                ? 'a map entry has an empty key'
                : `map key ${src} is a ${typeof k === 'bigint' ? 'number' : typeof k}, not a string: quote it ("${src}")`,
          });
          continue;
        }
        const q = [...p, k];
        if (k === '__proto__') {
          issues.push({
            path: show(q),
            line,
            message: 'the key "__proto__" is not allowed (JavaScript objects cannot hold it): rename it',
          });
          continue;
        }
        if (seen.has(k)) {
          issues.push({ path: show(q), line, message: `duplicate key "${k}": map keys must be unique` });
          continue;
        }
        seen.add(k);
        if (record && line !== undefined) lines.set(keyOf(q), line);
        out[k] = toValue(pair.value, q, depth + 1, record);
      }
      return out;
    }
    return null;
  };

  lines.set(keyOf([]), 1);
  try {
    const value = toValue(doc.contents, [], 0, true);
    return { value, lineOf, issues };
  } catch (e) {
    if (e instanceof TooMuch) return { value: undefined, lineOf, issues };
    throw e;
  }
}
