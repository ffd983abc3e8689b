// Images a killed or failed run left behind: builds of a stack carry the labels
// `managed-by=pctl` and `pctl-stack=<stack>`; after a deploy or destroy, those that no
// live state entry records and no container (of any stack) uses are removed. Nothing
// without both labels is ever touched.
import type { ContainerInfo, ImageInfo } from 'dockerode';
import type { ProviderContext } from '../contract.js';
import { removeImage } from '../image/engineImages.js';
import { engineFor } from '../dockerApi/index.js';
import type { StateEntry } from '../state/types.js';

export interface LeakedImageSweep {
  /** Image refs or ids removed. */
  removed: string[];
  /** True when the engine could not be asked: the sweep is still due. */
  failed?: boolean;
}

// True when the stack builds images locally (only then can it have leaked any).
export function stackBuildsImages(ctx: ProviderContext, entries: [string, StateEntry][]): boolean {
  const builds = Object.values(ctx.config.services).some((s) => s.build || /^\.\.?\//.test(s.image ?? ''));
  return builds || entries.some(([, e]) => e.builtByPctl);
}

// Removes the stack's labelled images that `keep` does not name and no container uses.
export async function removeLeakedImages(ctx: ProviderContext, keep: Iterable<string>): Promise<LeakedImageSweep> {
  const removed: string[] = [];
  let images: ImageInfo[];
  let containers: ContainerInfo[];
  try {
    const { api } = await engineFor(ctx);
    images = await api.listImages({ all: true, filters: { label: ['managed-by=pctl', `pctl-stack=${ctx.stack}`] } });
    if (!images.length) return { removed };
    // Image ids every container on the engine runs (stopped ones too: they still hold it).
    containers = await api.listContainers({ all: true });
  } catch {
    return { removed, failed: true }; // no engine answering: nothing to sweep now, the next run will
  }
  const keepRefs = new Set(keep);
  const used = new Set(containers.map((c) => c.ImageID));
  for (const image of images) {
    const refs = (image.RepoTags ?? []).filter((r) => !r.includes('<none>'));
    if (used.has(image.Id) || refs.some((r) => keepRefs.has(r))) continue;
    // Untag every ref, then the id itself goes with the last (dangling layers of earlier builds: the id).
    const targets = refs.length ? refs : [image.Id];
    const gone: string[] = [];
    for (const t of targets) if ((await removeImage(ctx, t)).result === 'removed') gone.push(t);
    if (gone.length) {
      removed.push(...gone);
      ctx.reporter.debug(`removed leaked image ${gone.join(', ')} (no state entry records it, no container uses it)`);
    }
  }
  return { removed };
}
