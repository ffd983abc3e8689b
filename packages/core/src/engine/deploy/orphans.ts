// Deploy's orphans phase: services gone from the stack file are removed, only after every
// current service deployed, so a failed deploy removes nothing; the first failure stops it.
import { toPctlError } from '../../errors.js';
import type { DeployRun } from './run.js';
import { Events } from '../../reporter.js';

export async function removeOrphans(run: DeployRun): Promise<void> {
  const { session, store, outcomes } = run;
  const { ctx } = session;
  for (const orphan of run.orphans) {
    if (run.failed) break;
    const entry = store.get(orphan.key)!;
    outcomes.set(orphan.key, { ...orphan, result: 'not-started' });
    try {
      const loaded = await session.provider(entry.provider);
      // A bare-function provider (or plugin) keeps its own entries.
      if (loaded.kind !== 'v1') {
        outcomes.delete(orphan.key);
        continue;
      }
      ctx.reporter.info('removing (gone from the config)', orphan.key, Events.OrphanRemoving);
      await loaded.provider.destroy({ ctx, key: orphan.key, entry });
      await store.set(orphan.key, undefined);
      outcomes.get(orphan.key)!.result = 'removed';
      ctx.reporter.info('removed', orphan.key, Events.OrphanRemoved);
    } catch (e) {
      const error = toPctlError(e);
      Object.assign(outcomes.get(orphan.key)!, { result: 'failed', error: error.message });
      run.failed = { phase: 'orphans', error };
    }
  }
}
