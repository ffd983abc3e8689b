// Images a killed or failed run left behind: builds of a stack carry the labels
// `managed-by=pctl` and `pctl-stack=<stack>`; after a deploy or destroy, those that no
// live state entry records and no container (of any stack) uses are removed. Nothing
// without both labels is ever touched.
import type { ProviderContext } from '../contract.js';
import type { StateEntry } from '../state/types.js';

export interface LeakedImageSweep {
  /** Image refs or ids removed. */
  removed: string[];
}

// Lines of a docker command's stdout, or undefined when the engine did not answer.
async function dockerLines(ctx: ProviderContext, args: string[]): Promise<string[] | undefined> {
  const r = await ctx.exec('docker', args, { reject: false }).catch(() => undefined);
  if (!r || r.exitCode !== 0) return undefined;
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

// True when the stack builds images locally (only then can it have leaked any).
export function stackBuildsImages(ctx: ProviderContext, entries: [string, StateEntry][]): boolean {
  const builds = Object.values(ctx.config.services).some((s) => s.build || /^\.\.?\//.test(s.image ?? ''));
  return builds || entries.some(([, e]) => e.builtByPctl);
}

// Removes the stack's labelled images that `keep` does not name and no container uses.
export async function removeLeakedImages(ctx: ProviderContext, keep: Iterable<string>): Promise<LeakedImageSweep> {
  const removed: string[] = [];
  const filter = ['--filter', 'label=managed-by=pctl', '--filter', `label=pctl-stack=${ctx.stack}`];
  const images = await dockerLines(ctx, ['images', '--all', '--no-trunc', ...filter, '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
  if (!images?.length) return { removed };
  const keepRefs = new Set(keep);
  // Image ids every container on the engine runs (stopped ones too: they still hold it).
  const containers = await dockerLines(ctx, ['ps', '--all', '--quiet', '--no-trunc']);
  if (containers === undefined) return { removed };
  const used = new Set<string>();
  if (containers.length) {
    // Containers other runs remove meanwhile are "No such object": the rest still count.
    const r = await ctx.exec('docker', ['inspect', '--format', '{{.Image}}', ...containers], { reject: false }).catch(() => undefined);
    const onlyGone = r !== undefined && r.stderr.split('\n').every((l) => !l.trim() || /no such (object|container)/i.test(l));
    if (!r || (r.exitCode !== 0 && !onlyGone)) return { removed };
    for (const id of r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) used.add(id);
  }
  const byId = new Map<string, string[]>();
  for (const line of images) {
    const [id, ref] = line.split(' ') as [string, string];
    byId.set(id, [...(byId.get(id) ?? []), ...(ref && !ref.includes('<none>') ? [ref] : [])]);
  }
  for (const [id, refs] of byId) {
    if (used.has(id) || refs.some((r) => keepRefs.has(r))) continue;
    // Untag every ref, then the id itself (dangling layers of earlier builds).
    const targets = refs.length ? refs : [id];
    const r = await ctx.exec('docker', ['rmi', ...targets], { reject: false }).catch(() => undefined);
    if (r?.exitCode === 0) {
      removed.push(...targets);
      ctx.reporter.debug(`removed leaked image ${targets.join(', ')} (no state entry records it, no container uses it)`);
    }
  }
  return { removed };
}
