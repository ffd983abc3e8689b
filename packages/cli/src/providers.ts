// Provider lookup: built-ins load lazily (no cloud SDK unless a stack uses it);
// custom ones come from the stack file's `providers:` map.
import { createRequire, register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeThrown, isPctlError, PctlError, PROVIDER_API_VERSION, runStep, thrownValue, type LoadedProvider, type LoadedStack, type ProviderV1 } from '@pctl/core';

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
    useBundledKit();
    let file = custom;
    let mod: Record<string, unknown>;
    try {
      file = providerModuleFile(custom, stack.configPath);
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
    return { ...fromModule(name, mod, file), source: custom };
  }
  const load = BUILTIN[name];
  if (!load) {
    throw new PctlError({
      code: 'UnknownProvider',
      message: `unknown provider "${name}"`,
      fault: 'user',
      hint: `built-in providers: ${builtinProviderNames.join(', ')}; register your own under \`providers:\` (name: ./path/to/module.mjs)`,
    });
  }
  return fromModule(name, (await load()) as Record<string, unknown>, `built-in ${name}`);
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

function isProviderObject(v: unknown): v is Record<string, unknown> & { apiVersion: unknown } {
  return typeof v === 'object' && v !== null && 'apiVersion' in v;
}

let kitHook = false;
// A provider file without node_modules of its own may import pctl's copy of the kit.
function useBundledKit(): void {
  if (kitHook) return;
  kitHook = true;
  register('./kitResolve.js', import.meta.url);
}

// A module path (./x.mjs, /abs/x.js) is relative to the stack file; anything else is a
// package name, resolved from the stack file's folder as Node resolves it.
function providerModuleFile(spec: string, configPath: string): string {
  if (/^(\.{1,2}[\\/]|\/)/.test(spec) || /\.[cm]?[jt]s$/.test(spec)) return path.resolve(path.dirname(configPath), spec);
  return createRequire(configPath).resolve(spec);
}
