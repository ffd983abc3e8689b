// Resolves every reference in the parsed stack file. Built-in resolvers: env, self, file,
// ssm, cfn (the AWS SDK is imported only when a stack uses ssm or cfn); custom ones come
// from `resolver:` modules. An unresolvable reference without a fallback is an error
// naming the reference and where it is used.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseTemplate, type Reference, type Segment } from './references.js';
import { isPctlError } from '../errors.js';
import { describeThrown, runStep, thrownValue } from '../step.js';
import { rememberSecret } from '../secrets.js';

export type ResolverFn = (key: string, fallback?: unknown) => unknown | Promise<unknown>;

export interface ResolveIssue {
  path: (string | number)[];
  message: string;
}

export interface ResolveContext {
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** Custom resolvers by name. */
  custom: Map<string, ResolverFn>;
  /** Values that came from env, file, ssm or custom resolvers: masked in output. */
  secrets: Set<string>;
}

const SECRET_MIN = 1;
const BUILTIN = new Set(['env', 'self', 'file', 'ssm', 'cfn']);

class Unresolved extends Error {}

// Loads `resolver:` modules: default export is a class whose constructor returns a named function.
export async function loadCustomResolvers(modules: unknown, configDir: string, raw: unknown): Promise<{ resolvers: Map<string, ResolverFn>; issues: ResolveIssue[] }> {
  const resolvers = new Map<string, ResolverFn>();
  const issues: ResolveIssue[] = [];
  if (!Array.isArray(modules)) return { resolvers, issues };
  for (const [i, mod] of modules.entries()) {
    if (typeof mod !== 'string') continue;
    const file = path.resolve(configDir, mod);
    try {
      const m = (await runStep({ module: `resolver ${mod}`, step: 'loading the module' }, () => import(pathToFileURL(file).href))) as { default?: unknown };
      const Cls = m.default as (new (parsed: unknown) => unknown) | undefined;
      if (typeof Cls !== 'function') throw new Error('its default export is not a class');
      const fn = new Cls(structuredClone(raw));
      if (typeof fn !== 'function' || !fn.name) throw new Error('its constructor must return a named function (the name is the resolver name)');
      if (BUILTIN.has(fn.name) || resolvers.has(fn.name)) {
        issues.push({ path: ['resolver', i], message: `resolver "${fn.name}" (${mod}) is registered twice` });
        continue;
      }
      resolvers.set(fn.name, fn as ResolverFn);
    } catch (e) {
      issues.push({ path: ['resolver', i], message: `cannot load resolver ${mod}: ${describeThrown(thrownValue(e))}` });
    }
  }
  return { resolvers, issues };
}

// Returns a deep copy of `raw` with every reference resolved, plus the problems found.
export async function resolveConfig(raw: unknown, ctx: ResolveContext): Promise<{ value: unknown; issues: ResolveIssue[] }> {
  const issues: ResolveIssue[] = [];
  const done = new Map<string, unknown>();
  const inProgress: string[] = [];

  const rawAt = (p: (string | number)[]): { found: boolean; value: unknown } => {
    let cur: unknown = raw;
    for (const k of p) {
      if (cur === null || typeof cur !== 'object' || !(k in (cur as object))) return { found: false, value: undefined };
      cur = (cur as Record<string, unknown>)[k as string];
    }
    return { found: true, value: cur };
  };

  // Resolves the value at a config path (memoized; detects self-reference loops).
  const resolveAt = async (p: (string | number)[]): Promise<unknown> => {
    const id = p.join('.');
    if (done.has(id)) return done.get(id);
    if (inProgress.includes(id)) {
      throw new Unresolved(`reference loop: ${[...inProgress.slice(inProgress.indexOf(id)), id].join(' -> ')}`);
    }
    inProgress.push(id);
    try {
      const v = await resolveValue(rawAt(p).value, p);
      done.set(id, v);
      return v;
    } finally {
      inProgress.pop();
    }
  };

  const resolveValue = async (v: unknown, p: (string | number)[]): Promise<unknown> => {
    if (typeof v === 'string') return resolveString(v, p);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const [i, x] of v.entries()) out.push(await resolveAt([...p, i]).catch((e) => fail(e, [...p, i], x)));
      return out;
    }
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) out[k] = await resolveAt([...p, k]).catch((e) => fail(e, [...p, k], (v as Record<string, unknown>)[k]));
      return out;
    }
    return v;
  };

  const reported = new Set<string>();
  const fail = (e: unknown, p: (string | number)[], original: unknown): unknown => {
    if (!(e instanceof Unresolved)) throw e;
    const id = p.join('.');
    if (!reported.has(id)) {
      reported.add(id);
      issues.push({ path: p, message: e.message });
    }
    return original;
  };

  const resolveString = async (s: string, p: (string | number)[]): Promise<unknown> => {
    const segs = parseTemplate(s);
    if (!segs.some((x) => 'ref' in x)) return s;
    return evalSegments(segs, p);
  };

  const evalSegments = async (segs: Segment[], p: (string | number)[]): Promise<unknown> => {
    if (segs.length === 1 && 'ref' in segs[0]!) return evalRef(segs[0].ref, p);
    let out = '';
    for (const seg of segs) {
      if ('text' in seg) out += seg.text;
      else {
        const v = await evalRef(seg.ref, p);
        out += typeof v === 'string' ? v : JSON.stringify(v);
      }
    }
    return out;
  };

  const evalRef = async (ref: Reference, p: (string | number)[]): Promise<unknown> => {
    const keyValue = await evalSegments(ref.key, p);
    const key = typeof keyValue === 'string' ? keyValue : String(keyValue);
    const value = await lookup(ref.name, key, p);
    if (value !== undefined && value !== null) return value;
    if (ref.fallback) return evalSegments(ref.fallback, p);
    const where = `${ref.source}`;
    if (ref.name === 'env') throw new Unresolved(`${where}: environment variable ${key} is not set (set it, or give a fallback: \${env:${key}, default})`);
    if (ref.name === 'self') throw new Unresolved(`${where}: no value at "${key}" in the stack file`);
    throw new Unresolved(`${where}: resolver ${ref.name} found nothing for "${key}"`);
  };

  const secret = (v: unknown): unknown => {
    if (typeof v === 'string' && v.length >= SECRET_MIN) ctx.secrets.add(v);
    rememberSecret(v);
    return v;
  };

  const lookup = async (name: string, key: string, p: (string | number)[]): Promise<unknown> => {
    switch (name) {
      case 'env':
        return secret(ctx.env[key]);
      case 'self': {
        const target = key.split('.').filter(Boolean);
        if (!rawAt(target).found) return undefined;
        if (target.join('.') === p.join('.')) throw new Unresolved(`reference loop: ${p.join('.')} -> ${key}`);
        return resolveAt(target);
      }
      case 'file': {
        if (key.includes('\0')) throw new Unresolved(`\${file:...}: invalid path`);
        try {
          return secret((await fs.readFile(path.resolve(ctx.configDir, key), 'utf8')).replace(/\r?\n$/, ''));
        } catch (e) {
          throw new Unresolved(`\${file:${key}}: cannot read ${path.resolve(ctx.configDir, key)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      case 'ssm':
        return secret(await ssmParameter(key));
      case 'cfn':
        return cfnOutput(key);
      default: {
        const fn = ctx.custom.get(name);
        if (!fn) throw new Unresolved(`\${${name}:...}: unknown resolver "${name}" (built in: env, self, file, ssm, cfn; add custom ones under resolver:)`);
        try {
          return secret(await runStep({ module: `resolver ${name}`, step: `\${${name}:${key}}` }, () => fn(key)));
        } catch (e) {
          if (isPctlError(e) && e.code === 'StepTimeout') throw e;
          throw new Unresolved(`\${${name}:${key}}: resolver failed: ${describeThrown(thrownValue(e))}`);
        }
      }
    }
  };

  const value = await resolveValue(raw, []);
  return { value, issues };
}

// `${ssm:/path}`: an SSM parameter, decrypted. The SDK loads only here.
async function ssmParameter(name: string): Promise<string | undefined> {
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({});
  try {
    const r = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return r.Parameter?.Value;
  } catch (e) {
    if ((e as { name?: string }).name === 'ParameterNotFound') return undefined;
    throw new Unresolved(`\${ssm:${name}}: ${(e as Error).message}`);
  } finally {
    client.destroy();
  }
}

// `${cfn:stack.OutputKey}`: a CloudFormation stack output. The SDK loads only here.
async function cfnOutput(key: string): Promise<string | undefined> {
  const dot = key.indexOf('.');
  if (dot <= 0) throw new Unresolved(`\${cfn:${key}}: expected \${cfn:<stack>.<OutputKey>}`);
  const stackName = key.slice(0, dot);
  const outputKey = key.slice(dot + 1);
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient({});
  try {
    const r = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return r.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === outputKey || o.ExportName === outputKey)?.OutputValue;
  } catch (e) {
    throw new Unresolved(`\${cfn:${key}}: ${(e as Error).message}`);
  } finally {
    client.destroy();
  }
}
