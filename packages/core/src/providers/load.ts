// Provider lookup: built-ins come from the table the CLI passes in and load lazily (no cloud
// SDK unless a stack uses it); custom ones come from the stack file's `providers:` map.
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedStack } from '../config/index.js';
import { resolvePackage } from '../config/packageResolve.js';
import { isPctlError, PctlError } from '../errors.js';
import { describeThrown, runStep, thrownValue } from '../step.js';
import { fromModule, requireKeyName } from './module.js';
import { pluginHandling } from './plugin.js';
import type { BuiltinProviders, LoadedProvider } from './types.js';

// The provider a stack names: its `providers:` entry, a built-in, or a plugin that deploys it.
export async function loadProvider(
  name: string,
  stack: LoadedStack,
  builtins: BuiltinProviders,
): Promise<LoadedProvider> {
  const custom = registeredModule(stack, name);
  if (custom !== undefined) {
    let file = custom;
    let mod: Record<string, unknown>;
    try {
      file = providerModuleFile(custom, stack.configPath);
      useBundledKit(file);
      mod = (await runStep(
        { module: `provider ${name} (${custom})`, step: 'loading the module' },
        () => import(pathToFileURL(file).href),
      )) as Record<string, unknown>;
    } catch (e) {
      if (isPctlError(e) && e.code !== 'ModuleFailed') throw e;
      throw new PctlError({
        code: 'ProviderLoadFailed',
        message: `cannot load provider ${name} from ${file}: ${describeThrown(thrownValue(e))}`,
        fault: 'user',
        hint:
          file === custom && !path.isAbsolute(custom)
            ? `providers.${name} names the package "${custom}": run \`npm install ${custom}\` in ${stack.configDir}, or give a path starting with ./`
            : `check providers.${name} in ${path.basename(stack.configPath)}`,
      });
    }
    const loaded = fromModule(name, mod, file);
    if (loaded.kind === 'v1') requireKeyName(name, custom, loaded.provider.name);
    return { ...loaded, source: custom };
  }
  const load = Object.prototype.hasOwnProperty.call(builtins, name) ? builtins[name] : undefined;
  if (!load) {
    const plugin = await pluginHandling(name, stack);
    if (plugin) return { kind: 'plugin', name, module: plugin };
    throw new PctlError({
      code: 'UnknownProvider',
      message: `unknown provider "${name}"`,
      fault: 'user',
      hint: `built-in providers: ${Object.keys(builtins).join(', ')}; register your own under \`providers:\` (name: ./path/to/module.mjs), or export \`providers = ['${name}']\` from the plugin that deploys it`,
    });
  }
  return fromModule(name, (await load()) as Record<string, unknown>, `built-in ${name}`);
}

// The module registered under `providers:` for a name; an inherited property (`constructor`) is none.
export function registeredModule(stack: LoadedStack, name: string): string | undefined {
  const registered = stack.config.providers;
  return registered && Object.prototype.hasOwnProperty.call(registered, name) ? registered[name] : undefined;
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
  if (/^(\.{1,2}[\\/]|\/)/.test(spec) || /\.[cm]?[jt]s$/.test(spec))
    return path.resolve(path.dirname(configPath), spec);
  return resolvePackage(spec, path.dirname(configPath));
}
