// The providers of one run: each loaded once, guarded, and refused where a service needs a
// v1 provider but the name is a bare function.
import type { ProviderV1 } from '../contract.js';
import type { LoadedStack } from '../config/index.js';
import { PctlError } from '../errors.js';
import { guardProvider } from './guard.js';
import { loadProvider } from './load.js';
import type { BuiltinProviders, LoadedProvider, ProviderLoader } from './types.js';

export interface HostOptions {
  builtins: BuiltinProviders;
  /** Called with a stack before any of its providers loads: the caller masks its secrets from then on. */
  learnSecrets?: (stack: LoadedStack) => void;
  /** Limit for each provider step. */
  stepTimeoutMs?: number;
}

export interface ProviderHost {
  /** The providers loaded so far, guarded, by name. */
  loaded: Map<string, LoadedProvider>;
  provider(name: string): Promise<LoadedProvider>;
  /** The v1 provider for a name; a bare function (which cannot act per service) is refused. */
  v1(name: string): Promise<ProviderV1>;
}

// Resolves a name for a stack, telling the caller the stack's secrets first.
export function providerLoader(opts: HostOptions): ProviderLoader {
  return (name, stack) => {
    opts.learnSecrets?.(stack);
    return loadProvider(name, stack, opts.builtins);
  };
}

export function hostProviders(stack: LoadedStack, opts: HostOptions): ProviderHost {
  const load = providerLoader(opts);
  const loaded = new Map<string, LoadedProvider>();
  const provider = async (name: string) => {
    let p = loaded.get(name);
    if (!p) {
      const raw = await load(name, stack);
      p = guardProvider(raw, { source: raw.source, timeoutMs: opts.stepTimeoutMs });
      loaded.set(name, p);
    }
    return p;
  };
  return { loaded, provider, v1: async (name) => requireV1(await provider(name), name) };
}

function requireV1(p: LoadedProvider, name: string): ProviderV1 {
  if (p.kind === 'v1') return p.provider;
  throw new PctlError({
    code: 'LegacyProvider',
    message: `provider ${name} is a bare function: it manages its own services and state`,
    fault: 'user',
  });
}
