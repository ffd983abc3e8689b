// Resolves every reference in the parsed stack file. Built-in resolvers: env, self, file,
// ssm, cfn (aws.ts); custom ones come from `resolver:` modules. An unresolvable reference
// without a fallback is an issue naming the reference and where it is used; resolution goes
// on, so one run reports every problem. What a reference may expand to is capped.
import path from 'node:path';
import { cycleText } from '../concurrency/graph.js';
import { PctlError } from '../errors.js';
import { cfnValue, ssmParameter } from './aws.js';
import {
  charsOf,
  MAX_EXPANDED_CHARS,
  MAX_EXPANDED_VALUES,
  MAX_FILE_BYTES,
  MAX_STRING,
  sizeWithin,
} from './expansion.js';
import { isPctlError } from '../errors.js';
import { rememberSecret } from '../output/mask.js';
import { secretsOf, type ResolvedValue, type SecretSource } from './secretRule.js';
import { describeThrown, runStep, thrownValue } from '../step.js';
import { readRegularFile, UnreadableFile } from './read.js';
import { parseTemplate, unterminatedReference, type Reference, type Segment } from './references.js';

export type ResolverFn = (key: string, fallback?: unknown) => unknown | Promise<unknown>;

export interface ResolveIssue {
  path: (string | number)[];
  message: string;
  /** Refused outright (an expansion bomb): nothing else is worth reporting. */
  fatal?: boolean;
}

export interface ResolveContext {
  configDir: string;
  /** The folder a path's relative `${file:...}` starts from (the file it is written in); default configDir. */
  dirOf?: (p: readonly (string | number)[]) => string;
  env: NodeJS.ProcessEnv;
  /** Custom resolvers by name. */
  custom: Map<string, ResolverFn>;
  /** Filled with the resolved values that are secrets (secretRule.ts): masked in output, kept out of state. */
  secrets: Set<string>;
  /** Reference keys and dotted paths the stack file marks as secret (`secrets:`). */
  marked?: ReadonlySet<string>;
  /** Stops resolution (Ctrl-C). */
  signal?: AbortSignal;
}

export interface Resolved {
  value: unknown;
  issues: ResolveIssue[];
  /** Paths (dot-joined) whose value holds a secret, wholly or in part. */
  tainted: Set<string>;
  /** Paths (dot-joined) that could not be resolved: other checks skip them. */
  failed: Set<string>;
}

class Unresolved extends Error {}
class Fatal extends Error {
  constructor(
    message: string,
    readonly at: (string | number)[],
  ) {
    super(message);
  }
}

const own = (o: unknown, k: string | number) =>
  o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);

// Returns a deep copy of `raw` with every reference resolved, plus the problems found.
export async function resolveConfig(raw: unknown, ctx: ResolveContext): Promise<Resolved> {
  const issues: ResolveIssue[] = [];
  const tainted = new Set<string>();
  const failed = new Set<string>();
  const done = new Map<string, unknown>();
  const failures = new Map<string, Unresolved>();
  const inProgress: string[] = [];
  // The same ids, for a look-up that does not grow with the depth of a chain.
  const inProgressSet = new Set<string>();
  let expandedValues = 0;
  let expandedChars = 0;
  let steps = 0;

  const rawAt = (p: (string | number)[]): { found: boolean; value: unknown } => {
    let cur: unknown = raw;
    for (const k of p) {
      if (!own(cur, k)) return { found: false, value: undefined };
      cur = (cur as Record<string, unknown>)[k as string];
    }
    return { found: true, value: cur };
  };
  const isTainted = (id: string) => {
    for (const t of tainted) if (t === id || t.startsWith(`${id}.`) || id.startsWith(`${t}.`)) return true;
    return false;
  };

  // Resolves the value at a config path (memoized, failures too; detects self-reference loops).
  const resolveAt = async (p: (string | number)[]): Promise<unknown> => {
    const id = p.join('.');
    if (done.has(id)) return done.get(id);
    const failure = failures.get(id);
    if (failure) throw failure;
    if (inProgressSet.has(id)) {
      // Cut when long: every value on a loop through thousands of services reports it.
      throw new Unresolved(`reference loop: ${cycleText([...inProgress.slice(inProgress.lastIndexOf(id)), id])}`);
    }
    inProgress.push(id);
    inProgressSet.add(id);
    try {
      const v = await resolveValue(rawAt(p).value, p);
      done.set(id, v);
      return v;
    } catch (e) {
      if (e instanceof Unresolved) failures.set(id, e);
      throw e;
    } finally {
      inProgressSet.delete(inProgress.pop()!);
    }
  };

  // Lets Ctrl-C through during long resolutions, and stops when it came.
  const step = async () => {
    if (++steps % 2000 !== 0) return;
    await new Promise((r) => setImmediate(r));
    if (ctx.signal?.aborted)
      throw new PctlError({
        code: 'Interrupted',
        message: 'interrupted while loading the stack file',
        fault: 'user',
        exitCode: 130,
      });
  };

  const resolveValue = async (v: unknown, p: (string | number)[]): Promise<unknown> => {
    await step();
    if (typeof v === 'string') return resolveString(v, p);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const [i, x] of v.entries()) out.push(await resolveAt([...p, i]).catch((e) => fail(e, [...p, i], x)));
      return out;
    }
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v))
        out[k] = await resolveAt([...p, k]).catch((e) => fail(e, [...p, k], (v as Record<string, unknown>)[k]));
      return out;
    }
    return v;
  };

  const fail = (e: unknown, p: (string | number)[], original: unknown): unknown => {
    if (!(e instanceof Unresolved)) throw e;
    const id = p.join('.');
    if (!failed.has(id)) {
      failed.add(id);
      issues.push({ path: p, message: e.message });
    }
    return original;
  };

  const resolveString = async (s: string, p: (string | number)[]): Promise<unknown> => {
    const open = unterminatedReference(s);
    if (open) throw new Unresolved(`unterminated reference "${open}": close it with }`);
    const segs = parseTemplate(s);
    if (!segs.some((x) => 'ref' in x)) return s;
    const taint = { secret: false };
    const v = await evalSegments(segs, p, taint);
    if (taint.secret) tainted.add(p.join('.'));
    return v;
  };

  const evalSegments = async (
    segs: Segment[],
    p: (string | number)[],
    taint: { secret: boolean },
  ): Promise<unknown> => {
    if (segs.length === 1 && 'ref' in segs[0]!) return evalRef(segs[0].ref, p, taint);
    let out = '';
    for (const seg of segs) {
      if ('text' in seg) out += seg.text;
      else {
        const v = await evalRef(seg.ref, p, taint);
        if (typeof v !== 'string' && sizeWithin(v, MAX_EXPANDED_VALUES) > MAX_EXPANDED_VALUES)
          throw new Fatal(`${seg.ref.source} expands to more than ${MAX_EXPANDED_VALUES} values`, p);
        out += typeof v === 'string' ? v : JSON.stringify(v);
      }
      if (out.length > MAX_STRING)
        throw new Fatal(`the references in this value build a string longer than ${MAX_STRING} characters`, p);
    }
    return out;
  };

  const evalRef = async (ref: Reference, p: (string | number)[], taint: { secret: boolean }): Promise<unknown> => {
    const keyValue = await evalSegments(ref.key, p, taint);
    const key = typeof keyValue === 'string' ? keyValue : String(keyValue);
    const fallback = ref.fallback ? () => evalSegments(ref.fallback!, p, taint) : undefined;
    const found = await lookup(ref, key, p, taint, fallback);
    if (found.value !== undefined && found.value !== null) return found.value;
    if (fallback) return fallback();
    const where = `${ref.source}`;
    if (ref.name === 'env')
      throw new Unresolved(
        `${where}: environment variable ${key} is not set (set it, or give a fallback: \${env:${key}, default})`,
      );
    if (ref.name === 'self') throw new Unresolved(`${where}: no value at "${key}" in the stack file`);
    throw new Unresolved(
      `${where}: ${found.reason ?? `resolver ${ref.name} found nothing for "${key}"`} (or give a fallback: \${${ref.name}:${key}, default})`,
    );
  };

  // Every value a resolver gave, with where it came from and where it is used: secretsOf
  // decides at the end which are secrets (an address used anywhere is not).
  const resolvedValues: ResolvedValue[] = [];
  const secret = (
    v: unknown,
    taint: { secret: boolean },
    source: SecretSource,
    key: string,
    p: (string | number)[],
  ): unknown => {
    if (v === undefined || v === null) return v;
    taint.secret = true;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      resolvedValues.push({ value: String(v), source, key, path: [...p] });
    return v;
  };

  // A copy of a value `${self:...}` substitutes, counted against the expansion caps.
  const copied = (v: unknown, p: (string | number)[], source: string): unknown => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'string' && (expandedChars += v.length) > MAX_EXPANDED_CHARS)
        throw new Fatal(`${source}: references copy more than ${MAX_EXPANDED_CHARS} characters in all`, p);
      return v;
    }
    expandedValues += sizeWithin(v, MAX_EXPANDED_VALUES);
    if (expandedValues > MAX_EXPANDED_VALUES)
      throw new Fatal(`${source}: \${self:...} references expand to more than ${MAX_EXPANDED_VALUES} values in all`, p);
    if ((expandedChars += charsOf(v)) > MAX_EXPANDED_CHARS)
      throw new Fatal(`${source}: references copy more than ${MAX_EXPANDED_CHARS} characters in all`, p);
    return structuredClone(v);
  };

  const lookup = async (
    ref: Reference,
    key: string,
    p: (string | number)[],
    taint: { secret: boolean },
    fallback?: () => Promise<unknown>,
  ): Promise<{ value?: unknown; reason?: string }> => {
    switch (ref.name) {
      case 'env':
        return { value: secret(ctx.env[key], taint, 'env', key, p) };
      case 'self': {
        const target = key.split('.').filter(Boolean);
        if (!rawAt(target).found) return {};
        if (target.join('.') === p.join('.')) throw new Unresolved(`reference loop: ${p.join('.')} -> ${key}`);
        const v = await resolveAt(target);
        if (isTainted(target.join('.'))) taint.secret = true;
        return { value: copied(v, p, ref.source) };
      }
      case 'file': {
        if (key.includes('\0')) throw new Unresolved(`\${file:...}: invalid path`);
        const file = path.resolve(ctx.dirOf?.(p) ?? ctx.configDir, key);
        try {
          return {
            value: secret((await readRegularFile(file, MAX_FILE_BYTES)).replace(/\r?\n$/, ''), taint, 'file', key, p),
          };
        } catch (e) {
          if (!(e instanceof UnreadableFile)) throw e;
          if (e.code === 'ENOENT') return { reason: `${file} not found` };
          // Reading that file is unsafe or impossible: a fallback does not hide it.
          throw new Unresolved(`\${file:${key}}: ${file} ${e.message}`);
        }
      }
      case 'ssm': {
        const r = await ssmParameter(key);
        return { ...r, value: secret(r.value, taint, 'ssm', key, p) };
      }
      case 'cfn':
        return cfnValue(key);
      default: {
        const fn = ctx.custom.get(ref.name);
        if (!fn)
          throw new Unresolved(
            `\${${ref.name}:...}: unknown resolver "${ref.name}" (built in: env, self, file, ssm, cfn; add custom ones under resolver:)`,
          );
        // The original pctl passes the fallback as written (after its own references resolve).
        const fallbackValue = fallback ? await fallback() : undefined;
        try {
          return {
            value: secret(
              await runStep({ module: `resolver ${ref.name}`, step: `\${${ref.name}:${key}}` }, () =>
                fn(key, fallbackValue),
              ),
              taint,
              'custom',
              key,
              p,
            ),
          };
        } catch (e) {
          if (isPctlError(e) && e.code === 'StepTimeout') throw e;
          if (fallback) return {};
          throw new Unresolved(`\${${ref.name}:${key}}: resolver failed: ${describeThrown(thrownValue(e))}`);
        }
      }
    }
  };

  // The secrets among the resolved values, remembered at once: an error thrown while the
  // stack still loads is masked too.
  const settleSecrets = () => {
    for (const s of secretsOf(resolvedValues, ctx.marked)) {
      ctx.secrets.add(s);
      rememberSecret(s);
    }
  };
  try {
    const value = await resolveValue(raw, []);
    settleSecrets();
    return { value, issues, tainted, failed };
  } catch (e) {
    settleSecrets();
    if (!(e instanceof Fatal)) throw e;
    return {
      value: raw,
      issues: [{ path: e.at, message: `${e.message}; expansion bombs are refused`, fatal: true }],
      tainted,
      failed,
    };
  }
}
