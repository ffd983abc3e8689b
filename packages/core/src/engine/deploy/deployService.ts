// Deploys one service: the old provider's resources go first when it moved, the intent is
// recorded, the image pushed when its platform pulls from a registry, then the provider
// deploys and core records the entry. Images this replaced are noted for cleanup.
import { builtForStack } from '../../image/engineImages.js';
import { writtenByOriginal } from '../adopt.js';
import { destroyedEntry, intentEntry, recordedEntry } from '../entry.js';
import { pushForTarget } from '../deployImages.js';
import type { PlanItem } from '../plan.js';
import { releaseNote } from '../releaseImage.js';
import { releasesOf } from '../releases.js';
import type { StateEntry } from '../../state/types.js';
import type { PlannedTarget } from '../targets.js';
import type { DeployRun } from './run.js';
import { deployKeepingEntry } from '../keepEntry.js';

export async function deployService(run: DeployRun, target: PlannedTarget, item: PlanItem): Promise<void> {
  const { session, store } = run;
  const { ctx } = session;
  let previous = store.get(target.key);
  // Moving between providers: the old platform's resources go first.
  if (item.previousProvider && previous && !previous.destroyed) {
    const old = await session.v1(item.previousProvider);
    await old.destroy({ ctx, key: target.key, entry: previous });
    previous = destroyedEntry(previous);
    await store.set(target.key, previous);
  }
  const provider = await session.v1(target.service.provider.name);
  await store.set(target.key, intentEntry({ previous, target, provider: provider.name, secrets: ctx.secrets }));
  let pushedByPctl = Boolean(previous?.pushedByPctl) && previous?.image === target.image.ref;
  const registry = target.service.registry;
  const needsPush = provider.needsPush
    ? provider.needsPush(target.service.provider.options ?? {}, target.service)
    : true;
  if (registry && target.image.builtByPctl && needsPush && !ctx.flags.skipPush) {
    pushedByPctl = (await pushForTarget(ctx, target, registry)) || pushedByPctl;
  }
  const own = await deployKeepingEntry(run.store, target.key, previous, () =>
    provider.deploy({ ctx, target, previous }),
  );
  const entry = recordedEntry({
    own,
    target,
    provider: provider.name,
    pushedByPctl,
    secrets: ctx.secrets,
    previous,
    release: await releaseNote(ctx, target),
  });
  await store.set(target.key, entry);
  await noteReplacedImages(run, target, previous, entry);
}

// The images the service ran before that nothing may run once the whole run is over.
// A kept release's image stays (cleanup keeps every kept release's image); one whose release
// is no longer kept goes like a replaced one.
async function noteReplacedImages(
  run: DeployRun,
  target: PlannedTarget,
  previous: StateEntry | undefined,
  entry: StateEntry,
): Promise<void> {
  const { ctx } = run.session;
  const live = previous && !previous.destroyed ? previous : undefined;
  const kept = new Set(releasesOf(entry).map((r) => r.number));
  for (const r of releasesOf(live)) {
    if (
      !kept.has(r.number) &&
      r.builtByPctl &&
      r.image &&
      r.image !== target.image.ref &&
      (await builtForStack(ctx, r.image, ctx.stack))
    )
      run.replaced.add(r.image);
  }
  const oldImage = live?.builtByPctl ? live.image : undefined;
  // Only an image whose labels say pctl built it for this stack (the entry alone is no proof).
  if (oldImage && oldImage !== target.image.ref && (await builtForStack(ctx, oldImage, ctx.stack)))
    run.replaced.add(oldImage);
  // The image the original pctl built for the service (adopted or not) goes once nothing runs it.
  const original = live
    ? (live.originalImage ?? (writtenByOriginal(live) && live.pushedByPctl ? live.image : undefined))
    : undefined;
  if (original && original !== target.image.ref) run.replaced.add(original);
}
