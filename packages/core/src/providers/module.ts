// A provider module's exports as a loaded provider: a v1 object the host checks, or a bare function.
import { PROVIDER_API_VERSION, type ProviderV1 } from '../contract.js';
import { PctlError } from '../errors.js';
import type { LoadedProvider } from './types.js';

// The provider a module exports (default, `provider`, or the first provider-like export), checked.
export function fromModule(name: string, mod: Record<string, unknown>, where: string): LoadedProvider {
  const exported =
    mod.default ?? mod.provider ?? Object.values(mod).find((v) => typeof v === 'function' || isProviderObject(v));
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
        throw new PctlError({
          code: 'ProviderInvalid',
          message: `provider ${name} (${where}) has no ${verb}() function`,
          fault: 'user',
        });
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
export function requireKeyName(key: string, spec: string, moduleName: unknown): void {
  if (moduleName === key) return;
  throw new PctlError({
    code: 'ProviderInvalid',
    message:
      typeof moduleName === 'string'
        ? `provider ${key} (${spec}): the module's name is ${JSON.stringify(moduleName)}, not "${key}", the key it is registered under`
        : `provider ${key} (${spec}): the module has no name (a string), and its name must be "${key}", the key it is registered under`,
    fault: 'user',
    hint:
      typeof moduleName === 'string' && /^[A-Za-z0-9][\w-]*$/.test(moduleName)
        ? `set name: '${key}' in ${spec}, or register it as providers.${moduleName} and write provider: { name: ${moduleName} } in its services`
        : `set name: '${key}' in ${spec}`,
  });
}

function isProviderObject(v: unknown): v is Record<string, unknown> & { apiVersion: unknown } {
  return typeof v === 'object' && v !== null && 'apiVersion' in v;
}
