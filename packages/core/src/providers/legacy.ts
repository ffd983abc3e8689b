// Bare-function providers of the original pctl: called once with the parsed config,
// with `deploy`/`destroy` in process.argv as they expect; they manage their own state.
import type { StackConfig } from '../config/schema.js';
import type { Reporter } from '../reporter.js';
import type { StateStore } from '../state/stateStore.js';
import type { LoadedProvider } from './types.js';
import { Events } from '../reporter.js';

export interface LegacyRun {
  providers: ReadonlyMap<string, LoadedProvider>;
  config: StackConfig;
  reporter: Reporter;
}

export async function runLegacyProviders(
  { providers, config, reporter }: LegacyRun,
  command: 'deploy' | 'destroy',
  store: StateStore,
): Promise<void> {
  for (const [name, p] of providers) {
    if (p.kind !== 'legacy') continue;
    const uses = Object.values(config.services).some((s) => s.provider.name === name);
    if (!uses) continue;
    reporter.info(`running provider ${name} (bare function)`, undefined, Events.LegacyProvider);
    const argv = process.argv;
    process.argv = [argv[0] ?? 'node', argv[1] ?? 'pctl', command];
    try {
      await p.fn(structuredClone(config));
    } finally {
      process.argv = argv;
    }
    // It may have written the state file itself.
    await store.reload();
  }
}
