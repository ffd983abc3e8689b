// Loads a stack file: read it (a regular file, capped), YAML with line numbers, references,
// validation reporting every error at once with its path and line, then config plugins.
import path from 'node:path';
import { PctlError } from '../errors.js';
import { composeStack } from './compose.js';
import { ConfigError, maskIssue, sortIssues, type ConfigIssue } from './issues.js';
import { rebasePaths } from './rebase.js';
import { loadCustomResolvers } from './customResolvers.js';
import { loadPlugins, runPlugin } from './plugins.js';
import { MAX_STACK_FILE_BYTES, readRegularFile, UnreadableFile } from './read.js';
import { resolveConfig } from './resolve.js';
import { DNS_LABEL, serviceFields, serviceSchema, stackSchema, type StackConfig } from './schema.js';
import { validateStack } from './validate.js';
import { parseStackYaml } from './yaml.js';

export { ConfigError, formatIssues, type ConfigIssue } from './issues.js';

export interface LoadedStack {
  config: StackConfig;
  /** Absolute path of the stack file. */
  configPath: string;
  configDir: string;
  /** The resolved values that are secrets (config/secretRule.ts), longest first: never print or store them. */
  secrets: string[];
  /** The same list (kept for plugins written against it). */
  secretValues: string[];
  /** The stack file's line of a config path (e.g. ['services', 'api', 'provider', 'name']). */
  lineOf?: (p: (string | number)[]) => number | undefined;
  /** The services as written, references resolved, before validation (the original pctl's fingerprint covers them). */
  resolvedServices?: Record<string, unknown>;
  /** The environment the stack was composed for (`--env`), if any. */
  environment?: string;
  /** The environments the stack file defines. */
  environments?: string[];
  /** The file a config path is written in (as shown: relative to cwd), when it is not the stack file (an included file). */
  fileOf?: (p: (string | number)[]) => string | undefined;
}

export interface LoadStackOptions {
  configPath: string;
  cwd?: string;
  nameOverride?: string;
  /** Where nameOverride came from, for its issues (default `--name`). */
  nameSource?: string;
  /** The environment to compose (`--env` / `PCTL_ENV`): its partial stack is merged over the base. */
  environment?: string;
  env?: NodeJS.ProcessEnv;
  /** Stops a long load (Ctrl-C): it ends with an `Interrupted` error. */
  signal?: AbortSignal;
  /** Runs on the validated stack before its plugins run (only when it has plugins); what it throws stops the load. */
  beforePlugins?: (stack: LoadedStack) => Promise<void>;
}

export { MAX_STACK_FILE_BYTES } from './read.js';

const interrupted = () =>
  new PctlError({
    code: 'Interrupted',
    message: 'interrupted while loading the stack file',
    fault: 'user',
    exitCode: 130,
  });

// Yields to the event loop (so Ctrl-C is heard), then stops if it came.
async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  await new Promise((r) => setImmediate(r));
  if (signal?.aborted) throw interrupted();
}

// A copy of plain data (undefined when it holds something else, e.g. a function a resolver returned).
function cloneData(v: unknown): Record<string, unknown> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  try {
    return structuredClone(v) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function loadStack(opts: LoadStackOptions): Promise<LoadedStack> {
  const cwd = opts.cwd ?? process.cwd();
  const configPath = path.resolve(cwd, opts.configPath);
  const shown = path.relative(cwd, configPath) || configPath;
  const configDir = path.dirname(configPath);
  let text: string;
  try {
    text = await readRegularFile(configPath, MAX_STACK_FILE_BYTES);
  } catch (e) {
    if (!(e instanceof UnreadableFile)) throw e;
    if (e.code === 'NotRegular' || e.code === 'TooLarge')
      throw new ConfigError(shown, [{ path: '', message: `the stack file ${e.message}` }]);
    throw new PctlError({
      code: 'ConfigNotFound',
      message: e.code === 'ENOENT' ? `stack file not found: ${shown}` : `cannot read stack file ${shown}: ${e.message}`,
      fault: 'user',
      exitCode: 2,
      hint: 'pass -c <file>, or run pctl in the folder that holds pctl.yaml',
    });
  }
  await checkpoint(opts.signal);

  const yaml = parseStackYaml(text);
  if (yaml.issues.length) throw new ConfigError(shown, sortIssues(yaml.issues));
  const written = yaml.value;
  if (!written || typeof written !== 'object' || Array.isArray(written)) {
    throw new ConfigError(shown, [
      { path: '', line: 1, message: 'the stack file must be a map with at least `name` and `services`' },
    ]);
  }
  await checkpoint(opts.signal);

  // Included files and the environment, composed before references resolve.
  const environment = opts.environment;
  const showFile = (f: string) => path.relative(cwd, f) || f;
  const composed = await composeStack({
    raw: written as Record<string, unknown>,
    top: { file: configPath, lineOf: yaml.lineOf },
    environment,
    shown: showFile,
  });
  const fileOf = (p: (string | number)[]) => {
    const f = composed.whereOf(p).file;
    return f === configPath ? undefined : showFile(f);
  };
  const dirOf = (p: readonly (string | number)[]) => path.dirname(composed.whereOf(p).file);
  const lineOf = (p: readonly (string | number)[]) => composed.whereOf(p).line;
  // Each issue in the file where its value is written, tagged with the environment.
  const placed = (i: ConfigIssue): ConfigIssue => {
    const file = i.file ?? (i.path ? fileOf(i.path.split('.')) : undefined);
    return { ...i, ...(file ? { file } : {}), ...(environment !== undefined ? { environment } : {}) };
  };
  if (composed.issues.length) {
    throw new ConfigError(
      shown,
      sortIssues(
        composed.issues.map((i) => placed({ ...i, file: i.file === configPath ? undefined : showFile(i.file) })),
      ),
    );
  }
  const raw = composed.value;

  const env = opts.env ?? process.env;
  const secrets = new Set<string>();
  const custom = await loadCustomResolvers((raw as Record<string, unknown>).resolver, configPath, raw);
  const loadedPlugins = await loadPlugins((raw as Record<string, unknown>).plugin, configPath);
  const marked = (raw as Record<string, unknown>).secrets;
  const resolved = await resolveConfig(raw, {
    configDir,
    dirOf,
    env,
    custom: custom.resolvers,
    secrets,
    marked: new Set(Array.isArray(marked) ? marked.filter((m) => typeof m === 'string') : []),
    signal: opts.signal,
  });
  const secretValues = [...secrets].sort((a, b) => b.length - a.length);
  const mask = (issues: ConfigIssue[]) =>
    issues.map((i) => {
      const secretPath = [...resolved.tainted].some((t) => i.path === t || i.path.startsWith(`${t}.`));
      return maskIssue(placed(i), secretValues, secretPath ? 1 : 4);
    });
  const asIssue = (i: { path: (string | number)[]; message: string }): ConfigIssue => ({
    path: i.path.join('.'),
    line: lineOf(i.path),
    message: i.message,
  });
  const fatal = resolved.issues.find((i) => i.fatal);
  if (fatal) throw new ConfigError(shown, mask([asIssue(fatal)]));
  await checkpoint(opts.signal);

  const value = resolved.value as Record<string, unknown>;
  const resolvedServices = cloneData(value.services);
  if (opts.nameOverride !== undefined) value.name = opts.nameOverride;
  let pluginFields = [...new Set(loadedPlugins.plugins.flatMap((p) => p.fields))];
  let schema = stackSchema(pluginFields);
  let oneService = serviceSchema(pluginFields);
  const checked = validateStack({
    value,
    schema,
    serviceSchema: oneService,
    lineOf,
    configDir,
    dirOf,
    nameFromFlag: opts.nameOverride !== undefined,
    nameSource: opts.nameSource,
    tainted: resolved.tainted,
    pluginFields,
  });
  // Errors at once: what could not be resolved, and every other problem outside those paths.
  const unresolved = [...resolved.failed];
  const others = checked.issues.filter((i) => !unresolved.some((f) => i.path === f || i.path.startsWith(`${f}.`)));
  const issues = [...[...custom.issues, ...loadedPlugins.issues, ...resolved.issues].map(asIssue), ...others];
  if (issues.length || !checked.config) throw new ConfigError(shown, mask(sortIssues(issues)));
  let config = checked.config;
  rebasePaths(config, dirOf, configDir);
  const about = { environment, environments: composed.environments, fileOf };

  if (loadedPlugins.plugins.length && opts.beforePlugins)
    await opts.beforePlugins({
      config,
      configPath,
      configDir,
      secrets: secretValues,
      secretValues,
      lineOf,
      resolvedServices,
      ...about,
    });
  let topFields: string[] = [];
  for (const plugin of loadedPlugins.plugins) {
    await checkpoint(opts.signal);
    const before = fieldsOf(config);
    try {
      await runPlugin(plugin, config);
    } catch (e) {
      // What a plugin throws may quote a resolved secret.
      if (e instanceof PctlError)
        throw new PctlError({
          code: e.code,
          message: maskIssue({ path: '', message: e.message }, secretValues, 3).message,
          fault: e.fault,
          exitCode: e.exitCode,
        });
      throw e;
    }
    // The original ran plugins after validation: fields a plugin adds are its own, and allowed.
    const added = addedFields(before, fieldsOf(config), schema);
    if (added.service.length || added.top.length) {
      pluginFields = [...new Set([...pluginFields, ...added.service])];
      topFields = [...new Set([...topFields, ...added.top])];
      schema = stackSchema(pluginFields, topFields);
      oneService = serviceSchema(pluginFields);
    }
    const where = `${shown} (after plugin ${plugin.spec})`;
    const again = validateStack({
      value: config as unknown as Record<string, unknown>,
      schema,
      serviceSchema: oneService,
      lineOf: () => undefined,
      configDir,
      nameFromFlag: false,
      pluginFields,
    });
    if (!again.config) throw new ConfigError(where, mask(sortIssues(again.issues)));
    config = again.config;
  }
  return { config, configPath, configDir, secrets: secretValues, secretValues, lineOf, resolvedServices, ...about };
}

// The top-level keys of a config and the keys of each service (what a plugin may add to).
function fieldsOf(config: unknown): { top: Set<string>; services: Map<string, Set<string>> } {
  const c = (config ?? {}) as { services?: Record<string, unknown> };
  const services = new Map<string, Set<string>>();
  for (const [name, svc] of Object.entries(c.services ?? {}))
    if (svc && typeof svc === 'object') services.set(name, new Set(Object.keys(svc)));
  return { top: new Set(Object.keys(c)), services };
}

// Fields unknown to the schema that a plugin added: at the top level, and to any service (one it added too).
function addedFields(
  before: ReturnType<typeof fieldsOf>,
  after: ReturnType<typeof fieldsOf>,
  schema: ReturnType<typeof stackSchema>,
): { top: string[]; service: string[] } {
  const known = new Set(Object.keys(schema.shape));
  const knownService = new Set(Object.keys(serviceFields));
  const top = [...after.top].filter((k) => !before.top.has(k) && !known.has(k));
  const service = new Set<string>();
  for (const [name, keys] of after.services)
    for (const k of keys) if (!before.services.get(name)?.has(k) && !knownService.has(k)) service.add(k);
  return { top, service: [...service] };
}

export { DNS_LABEL };
