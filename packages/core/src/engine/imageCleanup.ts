// Images a killed or failed run left behind. Only references pctl's own builds tagged
// (recorded in `.pctl/<stack>.images` before each build) on images that still carry the
// labels `managed-by=pctl` and `pctl-stack=<stack>` are candidates: after a deploy or
// destroy, those that no live state entry records and no container (of any stack) uses
// are untagged, by reference. Never by image ID: an image a user built `FROM` a pctl
// image inherits its labels, and a tag a user added (`docker tag`) to a pctl image would
// go with an ID; neither is ever in the record, so both stay.
import type { ContainerInfo, ImageInfo } from 'dockerode';
import type { ProviderContext } from '../contract.js';
import { removeImage } from '../image/engineImages.js';
import { engineFor } from '../dockerApi/index.js';
import type { StateEntry } from '../state/types.js';
import { builtImages, keepBuiltImages } from './buildMarker.js';

export interface LeakedImageSweep {
  /** Image refs removed. */
  removed: string[];
  /** True when the engine could not be asked: the sweep is still due. */
  failed?: boolean;
}

// True when the stack builds images locally (only then can it have leaked any).
export function stackBuildsImages(ctx: ProviderContext, entries: [string, StateEntry][]): boolean {
  const builds = Object.values(ctx.config.services).some((s) => s.build || /^\.\.?\//.test(s.image ?? ''));
  return builds || entries.some(([, e]) => e.builtByPctl);
}

// Untags the stack's recorded build references that `keep` does not name and no container uses.
export async function removeLeakedImages(ctx: ProviderContext, keep: Iterable<string>): Promise<LeakedImageSweep> {
  const removed: string[] = [];
  const recorded = builtImages(ctx.cwd, ctx.stack);
  if (!recorded.size) return { removed };
  let images: ImageInfo[];
  let containers: ContainerInfo[] = [];
  try {
    const { api } = await engineFor(ctx);
    images = await api.listImages({ all: true, filters: { label: ['managed-by=pctl', `pctl-stack=${ctx.stack}`] } });
    // Image ids every container on the engine runs (stopped ones too: they still hold it).
    if (images.length) containers = await api.listContainers({ all: true });
  } catch {
    return { removed, failed: true }; // no engine answering: nothing to sweep now, the next run will
  }
  const keepRefs = new Set(keep);
  const used = new Set(containers.map((c) => c.ImageID));
  const present = new Set<string>();
  for (const image of images) {
    const ours = (image.RepoTags ?? []).filter((r) => recorded.has(r));
    ours.forEach((r) => present.add(r));
    if (used.has(image.Id) || ours.some((r) => keepRefs.has(r))) continue;
    const gone: string[] = [];
    for (const t of ours) if ((await removeImage(ctx, t)).result === 'removed') gone.push(t);
    if (gone.length) {
      removed.push(...gone);
      gone.forEach((r) => present.delete(r));
      ctx.reporter.debug(`removed leaked image ${gone.join(', ')} (no state entry records it, no container uses it)`);
    }
  }
  // A recorded reference the engine no longer has (or that lost pctl's labels) is not pctl's any more.
  keepBuiltImages(ctx.cwd, ctx.stack, present);
  return { removed };
}
