// What provider hosting hands the engine: a provider as loaded, and how names resolve to one.
import type { LegacyProviderFunction, ProviderV1 } from '../contract.js';
import type { LoadedStack } from '../config/index.js';

export type LoadedProvider =
  | { kind: 'v1'; provider: ProviderV1; source?: string }
  | { kind: 'legacy'; name: string; fn: LegacyProviderFunction; source?: string }
  /** A bare function listed under `plugin:` (the original's way): it ran as a plugin when the stack loaded. */
  | { kind: 'plugin'; name: string; module: string; source?: string };

/** Resolves a provider name to its implementation. */
export type ProviderLoader = (name: string, stack: LoadedStack) => Promise<LoadedProvider>;

/** Built-in providers by name, each imported on first use (no cloud SDK unless a stack uses it). */
export type BuiltinProviders = Readonly<Record<string, () => Promise<unknown>>>;
