// Deploy's cleanup phase: images the run replaced, the original's bare-function providers,
// and builds killed runs left behind. After a failed build or orphan removal nothing goes;
// after a failed or interrupted apply only the replaced images, as far as that works.
import { runLegacyProviders } from '../../providers/legacy.js';
import { buildsMayHaveLeaked, clearBuilding } from '../buildMarker.js';
import { removeLeakedImages, stackBuildsImages } from '../imageCleanup.js';
import { removeReplacedImage } from '../deployImages.js';
import { releaseImages } from '../releases.js';
import type { DeployRun } from './run.js';

export async function cleanUp(run: DeployRun): Promise<void> {
  if (run.failed?.phase === 'build' || run.failed?.phase === 'orphans') return;
  if (run.failed) {
    await removeReplacedImages(run).catch(() => undefined);
    return;
  }
  const { session, store, all } = run;
  const { ctx } = session;
  await removeReplacedImages(run);
  await runLegacyProviders(
    { providers: session.providers, config: session.loaded.config, reporter: ctx.reporter },
    'deploy',
    store,
  );
  // Builds a killed run left (tagged or not) go, keeping what state and this config run.
  // Only after a run that started builds (this one, or one killed mid-build): a no-op
  // deploy never speaks to the engine.
  if (stackBuildsImages(ctx, store.entries()) && buildsMayHaveLeaked(ctx.cwd, ctx.stack)) {
    // The images of kept releases stay too: `pctl rollback` runs them again.
    const keep = [
      ...store
        .entries()
        .filter(([, e]) => !e.destroyed && e.image)
        .map(([, e]) => e.image!),
      ...releaseImages(store.entries().map(([, e]) => e)),
      ...all.map((t) => t.image.ref),
    ];
    const sweep = await removeLeakedImages(ctx, keep);
    if (!sweep.failed) clearBuilding(ctx.cwd, ctx.stack);
  }
}

// Images pctl built locally that this run replaced go once no service runs them any more
// (checked after the whole run: services sharing an image move one after the other).
async function removeReplacedImages({ session, store, replaced, all }: DeployRun): Promise<void> {
  if (!replaced.size) return;
  // Once for all: a scan of every entry per replaced image was quadratic when all were rebuilt.
  const used = new Set([
    ...store
      .entries()
      .filter(([, e]) => !e.destroyed)
      .map(([, e]) => e.image),
    ...releaseImages(store.entries().map(([, e]) => e)),
    ...all.map((t) => t.image.ref),
  ]);
  for (const ref of replaced) await removeReplacedImage(session.ctx, ref, used.has(ref));
}
