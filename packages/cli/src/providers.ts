// Provider lookup: built-ins load lazily (no cloud SDK unless a stack uses it);
// custom ones come from the stack file's `providers:` map.
import { readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeThrown, isPctlError, PctlError, PROVIDER_API_VERSION, resolvePackage, runStep, thrownValue, type LoadedProvider, type LoadedStack, type ProviderV1 } from '@pctl/core';

const BUILTIN: Record<string, () => Promise<unknown>> = {
  docker: () => import('@pctl/provider-docker'),
  kind: () => import('@pctl/provider-kind'),
  gcp: () => import('@pctl/provider-gcp'),
  aws: () => import('@pctl/provider-aws'),
};

export const builtinProviderNames = Object.keys(BUILTIN);

export async function loadProvider(name: string, stack: LoadedStack): Promise<LoadedProvider> {
  const custom = stack.config.providers?.[name];
  if (custom !== undefined) {
    let file = custom;
    let mod: Record<string, unknown>;
    try {
      file = providerModuleFile(custom, stack.configPath);
      useBundledKit(file);
      mod = (await runStep({ module: `provider ${name} (${custom})`, step: 'loading the module' }, () => import(pathToFileURL(file).href))) as Record<string, unknown>;
    } catch (e) {
      if (isPctlError(e) && e.code !== 'ModuleFailed') throw e;
      throw new PctlError({
        code: 'ProviderLoadFailed',
        message: `cannot load provider ${name} from ${file}: ${describeThrown(thrownValue(e))}`,
        fault: 'user',
        hint: file === custom && !path.isAbsolute(custom)
          ? `providers.${name} names the package "${custom}": run \`npm install ${custom}\` in ${stack.configDir}, or give a path starting with ./`
          : `check providers.${name} in ${path.basename(stack.configPath)}`,
      });
    }
    const loaded = fromModule(name, mod, file);
    if (loaded.kind === 'v1') requireKeyName(name, custom, loaded.provider.name);
    return { ...loaded, source: custom };
  }
  const load = BUILTIN[name];
  if (!load) {
    const plugin = await pluginHandling(name, stack);
    if (plugin) return { kind: 'plugin', name, module: plugin };
    throw new PctlError({
      code: 'UnknownProvider',
      message: `unknown provider "${name}"`,
      fault: 'user',
      hint: `built-in providers: ${builtinProviderNames.join(', ')}; register your own under \`providers:\` (name: ./path/to/module.mjs), or export \`providers = ['${name}']\` from the plugin that deploys it`,
    });
  }
  return fromModule(name, (await load()) as Record<string, unknown>, `built-in ${name}`);
}

// The plugin (listed under `plugin:`) that deploys services of this provider itself, the
// original pctl's way: one that exports `providers` naming it, or, for a module written
// for the original and left unchanged, one whose source compares with the name as a
// string literal (`s.provider.name === 'legacy'`).
async function pluginHandling(name: string, stack: LoadedStack): Promise<string | undefined> {
  for (const mod of stack.config.plugin ?? []) {
    const file = resolvePlugin(mod, stack.configDir);
    if (!file) continue;
    let exported: Record<string, unknown>;
    try {
      exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch {
      continue; // loadStack already reported a plugin that does not load
    }
    const declared = exported.providers ?? (exported.default as { providers?: unknown } | undefined)?.providers;
    if (Array.isArray(declared)) {
      if (declared.includes(name)) return mod;
      continue;
    }
    let source = '';
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const literal = new RegExp(`(['"\`])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`);
    if (/provider\s*\.\s*name|provider\?\.name/.test(source) && literal.test(source)) return mod;
  }
  return undefined;
}

// A plugin entry as a file: a path relative to the stack file, or a package resolved from its folder.
function resolvePlugin(mod: string, configDir: string): string | undefined {
  if (mod.startsWith('.') || path.isAbsolute(mod)) return path.resolve(configDir, mod);
  try {
    return resolvePackage(mod, configDir);
  } catch {
    return undefined;
  }
}

function fromModule(name: string, mod: Record<string, unknown>, where: string): LoadedProvider {
  const exported = mod.default ?? mod.provider ?? Object.values(mod).find((v) => typeof v === 'function' || isProviderObject(v));
  if (typeof exported === 'function') return { kind: 'legacy', name, fn: exported as (p: unknown) => Promise<void> };
  if (isProviderObject(exported)) {
    if (exported.apiVersion !== PROVIDER_API_VERSION) {
      throw new PctlError({
        code: 'ProviderApiVersion',
        message: `provider ${name} (${where}) speaks apiVersion ${String(exported.apiVersion)}, this pctl supports ${PROVIDER_API_VERSION}`,
        fault: 'user',
      });
    }
    for (const verb of ['deploy', 'destroy'] as const) {
      if (typeof exported[verb] !== 'function') {
        throw new PctlError({ code: 'ProviderInvalid', message: `provider ${name} (${where}) has no ${verb}() function`, fault: 'user' });
      }
    }
    return { kind: 'v1', provider: exported as unknown as ProviderV1 };
  }
  throw new PctlError({
    code: 'ProviderInvalid',
    message: `provider ${name} (${where}) exports neither a provider object (defineProvider) nor a function`,
    fault: 'user',
  });
}

// The key under `providers:` is the name state entries record and destroy looks up, so a
// module calling itself otherwise would leave services no later run can reach. A bare
// function (the original's style) has no provider name: its key is its name.
function requireKeyName(key: string, spec: string, moduleName: unknown): void {
  if (moduleName === key) return;
  throw new PctlError({
    code: 'ProviderInvalid',
    message: typeof moduleName === 'string'
      ? `provider ${key} (${spec}): the module's name is ${JSON.stringify(moduleName)}, not "${key}", the key it is registered under`
      : `provider ${key} (${spec}): the module has no name (a string), and its name must be "${key}", the key it is registered under`,
    fault: 'user',
    hint: typeof moduleName === 'string' && /^[A-Za-z0-9][\w-]*$/.test(moduleName)
      ? `set name: '${key}' in ${spec}, or register it as providers.${moduleName} and write provider: { name: ${moduleName} } in its services`
      : `set name: '${key}' in ${spec}`,
  });
}

function isProviderObject(v: unknown): v is Record<string, unknown> & { apiVersion: unknown } {
  return typeof v === 'object' && v !== null && 'apiVersion' in v;
}

let kitHook = false;
// A provider file without node_modules of its own may import pctl's copy of the kit. The
// hook runs on a thread of its own that every later import goes through, so it is
// registered only for a file that cannot resolve the kit where it is.
function useBundledKit(file: string): void {
  if (kitHook) return;
  try {
    createRequire(file).resolve('@pctl/provider-kit');
    return;
  } catch {
    /* not installed beside the file: pctl's copy is used */
  }
  kitHook = true;
  register('./kitResolve.js', import.meta.url);
}

// A module path (./x.mjs, /abs/x.js) is relative to the stack file; anything else is a
// package name, resolved from the stack file's folder as Node resolves it.
function providerModuleFile(spec: string, configPath: string): string {
  if (/^(\.{1,2}[\\/]|\/)/.test(spec) || /\.[cm]?[jt]s$/.test(spec)) return path.resolve(path.dirname(configPath), spec);
  return resolvePackage(spec, path.dirname(configPath));
}
