// Bare-function providers of the original pctl: called once with the parsed config,
// with `deploy`/`destroy` in process.argv as they expect; they manage their own state.
import type { StateStore } from '../state/store.js';
import type { Session } from './session.js';

export async function runLegacyProviders(session: Session, command: 'deploy' | 'destroy', store: StateStore): Promise<void> {
  for (const [name, p] of session.providers) {
    if (p.kind !== 'legacy') continue;
    const uses = Object.values(session.loaded.config.services).some((s) => s.provider.name === name);
    if (!uses) continue;
    session.ctx.reporter.info(`running provider ${name} (bare function)`, undefined, 'LegacyProvider');
    const argv = process.argv;
    process.argv = [argv[0] ?? 'node', argv[1] ?? 'pctl', command];
    try {
      await p.fn(structuredClone(session.loaded.config));
    } finally {
      process.argv = argv;
    }
    // It may have written the state file itself.
    await store.reload();
  }
}
