// Loads a stack file: YAML (with line numbers), references, validation reporting every
// error at once with its path and line, cross-field rules, then config plugins.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { isPctlError, PctlError } from '../errors.js';
import { describeThrown, runStep, thrownValue } from '../step.js';
import { DNS_LABEL, STACK_MANIFESTS_SERVICE, StackSchema, type StackConfig } from './schema.js';
import { loadCustomResolvers, resolveConfig } from './resolve.js';

export interface ConfigIssue {
  path: string;
  line?: number;
  message: string;
}

export interface LoadedStack {
  config: StackConfig;
  /** Absolute path of the stack file. */
  configPath: string;
  configDir: string;
  /** Resolved values from env, file, ssm and custom resolvers: never print or store them. */
  secrets: string[];
  /** The stack file's line of a config path (e.g. ['services', 'api', 'provider', 'name']). */
  lineOf?: (p: (string | number)[]) => number | undefined;
}

export interface LoadStackOptions {
  configPath: string;
  cwd?: string;
  nameOverride?: string;
  env?: NodeJS.ProcessEnv;
}

// One error for an invalid stack file, carrying every issue found.
export class ConfigError extends PctlError {
  readonly issues: ConfigIssue[];
  constructor(
    readonly file: string,
    issues: ConfigIssue[],
  ) {
    const lines = formatIssues(file, issues);
    super({
      code: 'InvalidConfig',
      message: issues.length === 1 ? lines[0]! : `${file}: ${issues.length} errors, first: ${lines[0]}`,
      fault: 'user',
      exitCode: 2,
      detail: issues.length > 1 ? lines.join('\n') : undefined,
    });
    this.issues = issues;
  }
}

// `file:line path: message`, one line per issue.
export function formatIssues(file: string, issues: ConfigIssue[]): string[] {
  return issues.map((i) => `${file}${i.line ? `:${i.line}` : ''} ${i.path ? `${i.path}: ` : ''}${i.message}`.replace(/\s+/g, ' ').trim());
}

const MAX_ALIASES = 100;
const MAX_BYTES = 4 * 1024 * 1024;

export async function loadStack(opts: LoadStackOptions): Promise<LoadedStack> {
  const cwd = opts.cwd ?? process.cwd();
  const configPath = path.resolve(cwd, opts.configPath);
  const shown = path.relative(cwd, configPath) || configPath;
  const configDir = path.dirname(configPath);
  let text: string;
  try {
    const st = await fs.stat(configPath);
    if (st.size > MAX_BYTES) throw new ConfigError(shown, [{ path: '', message: `stack file is larger than ${MAX_BYTES} bytes` }]);
    text = await fs.readFile(configPath, 'utf8');
  } catch (e) {
    if (e instanceof PctlError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new PctlError({
      code: 'ConfigNotFound',
      message: code === 'ENOENT' ? `stack file not found: ${shown}` : `cannot read stack file ${shown}: ${(e as Error).message}`,
      fault: 'user',
      exitCode: 2,
      hint: 'pass -c <file>, or run pctl in the folder that holds pctl.yaml',
    });
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  if (doc.errors.length) {
    throw new ConfigError(
      shown,
      doc.errors.map((e) => ({ path: '', line: lineAt(e.pos[0]), message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw new ConfigError(shown, [{ path: '', message: `YAML aliases expand too much (${(e as Error).message}); alias bombs are refused` }]);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(shown, [{ path: '', line: 1, message: 'the stack file must be a map with at least `name` and `services`' }]);
  }
  const lineOf = (p: (string | number)[]) => lineAt(nodeAt(doc, p)?.range?.[0]);

  const env = opts.env ?? process.env;
  const secrets = new Set<string>();
  const custom = await loadCustomResolvers((raw as Record<string, unknown>).resolver, configDir, raw);
  const resolved = await resolveConfig(raw, { configDir, env, custom: custom.resolvers, secrets });
  const issues: ConfigIssue[] = [...custom.issues, ...resolved.issues].map((i) => ({ path: i.path.join('.'), line: lineOf(i.path), message: i.message }));
  if (issues.length) throw new ConfigError(shown, issues);

  const value = resolved.value as Record<string, unknown>;
  if (opts.nameOverride !== undefined) value.name = opts.nameOverride;
  let config = validate(value, shown, lineOf, opts.nameOverride !== undefined);

  for (const [i, mod] of config.plugin.entries()) {
    const file = path.resolve(configDir, mod);
    let fn: unknown;
    try {
      const m = (await runStep({ module: `plugin ${mod}`, step: 'loading the module' }, () => import(pathToFileURL(file).href))) as Record<string, unknown>;
      fn = m.default ?? Object.values(m).find((v) => typeof v === 'function');
    } catch (e) {
      throw new ConfigError(shown, [{ path: `plugin.${i}`, line: lineOf(['plugin', i]), message: `cannot load plugin ${mod}: ${describeThrown(thrownValue(e))}` }]);
    }
    if (typeof fn !== 'function') {
      throw new ConfigError(shown, [{ path: `plugin.${i}`, line: lineOf(['plugin', i]), message: `plugin ${mod} exports no function` }]);
    }
    try {
      await runStep({ module: `plugin ${mod}`, step: 'its function' }, () => (fn as (parsed: StackConfig) => unknown)(config));
    } catch (e) {
      if (isPctlError(e) && e.code === 'StepTimeout') throw e;
      throw new PctlError({ code: 'PluginFailed', message: `plugin ${mod} failed: ${describeThrown(thrownValue(e))}`, fault: 'user', exitCode: 2 });
    }
    try {
      config = validate(config as unknown as Record<string, unknown>, `${shown} (after plugin ${mod})`, () => undefined, false);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`${shown} (after plugin ${mod})`, e.issues);
      throw e;
    }
  }
  return { config, configPath, configDir, secrets: [...secrets].sort((a, b) => b.length - a.length), lineOf };
}

function validate(value: Record<string, unknown>, shown: string, lineOf: (p: (string | number)[]) => number | undefined, nameFromFlag: boolean): StackConfig {
  const parsed = StackSchema.safeParse(value);
  const issues: ConfigIssue[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(...toIssues(issue, lineOf, nameFromFlag));
    throw new ConfigError(shown, dedupe(issues));
  }
  const config = parsed.data;
  // Stack-level manifests become a service of their own (state key `<stack>-manifests`).
  if (config.manifests) {
    if (config.services[STACK_MANIFESTS_SERVICE]) {
      issues.push({ path: 'manifests', line: lineOf(['manifests']), message: `stack-level manifests deploy as the service "${STACK_MANIFESTS_SERVICE}", and a service has that name: rename it, or list the files under that service` });
    } else {
      config.services[STACK_MANIFESTS_SERVICE] = { manifests: config.manifests.files, provider: config.manifests.provider };
      delete config.manifests;
    }
  }
  const names = Object.keys(config.services);
  for (const name of names) {
    const svc = config.services[name]!;
    const key = `${config.name}-${name}`;
    if (key.length > 63) issues.push({ path: `services.${name}`, line: lineOf(['services', name]), message: `"${key}" (stack-service) must be at most 63 characters` });
    for (const [i, dep] of (svc.dependsOn ?? []).entries()) {
      if (!config.services[dep]) issues.push({ path: `services.${name}.dependsOn.${i}`, line: lineOf(['services', name, 'dependsOn', i]), message: `unknown service "${dep}" (services: ${names.join(', ')})` });
      if (dep === name) issues.push({ path: `services.${name}.dependsOn.${i}`, line: lineOf(['services', name, 'dependsOn', i]), message: 'a service cannot depend on itself' });
    }
    if (svc.image?.startsWith('./') || svc.image?.startsWith('../')) {
      const rel = path.normalize(svc.image);
      if (svc.image.includes('\0') || rel.startsWith('..')) {
        issues.push({ path: `services.${name}.image`, line: lineOf(['services', name, 'image']), message: `"${svc.image}" leaves the stack file's folder; use a build: block with an explicit context for that` });
      }
    } else if (svc.image && /^\/|\0/.test(svc.image)) {
      issues.push({ path: `services.${name}.image`, line: lineOf(['services', name, 'image']), message: 'an image to build is a path starting with ./ (relative to the stack file), not an absolute path' });
    }
  }
  const cycle = findCycle(config);
  if (cycle) issues.push({ path: `services.${cycle[0]}.dependsOn`, line: lineOf(['services', cycle[0]!, 'dependsOn']), message: `dependsOn cycle: ${cycle.join(' -> ')}` });
  if (issues.length) throw new ConfigError(shown, issues);
  return config;
}

function toIssues(issue: z.core.$ZodIssue, lineOf: (p: (string | number)[]) => number | undefined, nameFromFlag: boolean): ConfigIssue[] {
  const p = issue.path.filter((x): x is string | number => typeof x !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ path: [...p, k].join('.'), line: lineOf([...p, k]), message: `unknown field "${k}"${suggest(k)}` }));
  }
  if (p[0] === 'name' && nameFromFlag) return [{ path: '--name', message: issue.message }];
  if (issue.code === 'invalid_key' && p[0] === 'services') {
    const bad = String(p[1] ?? '');
    return [{ path: `services.${JSON.stringify(bad).slice(1, -1)}`, line: lineOf(['services', bad]), message: `service name must be a DNS label: lowercase letters, digits and '-', at most 63 characters` }];
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = `required field is missing (${message})`;
  if (issue.code === 'invalid_union') message = unionMessage(issue) ?? message;
  return [{ path: p.join('.'), line: lineOf(p) ?? lineOf(p.slice(0, -1)), message }];
}

function unionMessage(issue: z.core.$ZodIssue & { code: 'invalid_union' }): string | undefined {
  const first = issue.errors?.[0]?.[0];
  return first ? `${first.message}` : undefined;
}

const KNOWN = ['image', 'build', 'registry', 'command', 'env', 'scale', 'ports', 'health', 'volumes', 'dependsOn', 'manifests', 'provider', 'options', 'name', 'services', 'custom', 'resolver', 'plugin', 'providers', 'replica', 'cpu', 'memory', 'interval', 'retries', 'onfailure', 'context', 'dockerfile', 'target', 'args', 'entrypoint', 'builder', 'path', 'url', 'username', 'password', 'files'];

// "did you mean" for a typo of a known field.
function suggest(k: string): string {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
  };
  const best = KNOWN.map((w) => [w, dist(k.toLowerCase(), w.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= 2 ? ` (did you mean "${best[0]}"?)` : '';
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}|${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function findCycle(config: StackConfig): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  let found: string[] | undefined;
  const visit = (n: string, chain: string[]) => {
    if (found) return;
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      found = [...chain.slice(chain.indexOf(n)), n];
      return;
    }
    state.set(n, 1);
    for (const d of config.services[n]?.dependsOn ?? []) if (config.services[d] && d !== n) visit(d, [...chain, n]);
    state.set(n, 2);
  };
  for (const n of Object.keys(config.services)) visit(n, []);
  return found;
}

// The YAML node at a path (a map key's node when the path ends at a key), for line numbers.
function nodeAt(doc: Document, p: (string | number)[]): YamlNode | undefined {
  let cur: unknown = doc.contents;
  // A missing field is reported on the key of the map that lacks it.
  let lastKey: YamlNode | undefined;
  for (const [i, k] of p.entries()) {
    if (isMap(cur)) {
      const pair = cur.items.find((it) => String((it.key as { value?: unknown })?.value ?? it.key) === String(k));
      if (!pair) return lastKey ?? (cur as YamlNode);
      if (i === p.length - 1) return (pair.key as YamlNode) ?? (pair.value as YamlNode);
      lastKey = pair.key as YamlNode;
      cur = pair.value;
    } else if (isSeq(cur)) {
      const item = cur.items[Number(k)];
      if (item === undefined) return cur as YamlNode;
      lastKey = item as YamlNode;
      cur = item;
    } else {
      return cur as YamlNode | undefined;
    }
  }
  return cur as YamlNode | undefined;
}

export { DNS_LABEL };
