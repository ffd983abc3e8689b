// Provider lookup: built-ins load lazily (no cloud SDK unless a stack uses it);
// custom ones come from the stack file's `providers:` map.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PctlError, PROVIDER_API_VERSION, type LoadedProvider, type LoadedStack, type ProviderV1 } from '@pctl/core';

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
    const file = path.resolve(stack.configDir, custom);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw new PctlError({
        code: 'ProviderLoadFailed',
        message: `cannot load provider ${name} from ${file}: ${(e as Error).message.split('\n')[0]}`,
        fault: 'user',
        hint: `check providers.${name} in ${path.basename(stack.configPath)}`,
      });
    }
    return fromModule(name, mod, file);
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
