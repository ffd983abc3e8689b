// The images pctl sent to a remote Docker host (over ssh or a registry): core removes the
// images a deploy replaced, and destroy's, from the local engine only, so on a remote host
// the provider does it. A deploy notes what it replaced there (the last deploy's image, the
// releases the state no longer keeps (`history`), the images the replaced containers ran: a
// failed deploy's or a failed job's); `settle` removes them once this run's old containers
// have drained, as core does locally. A failed deploy removes the image it sent. Destroy
// removes every release's image. Only an image with this stack's labels, by reference, and
// never one a container uses.
import { historyLimit, releasesOf, type DeployParams, type ProviderContext, type StateEntry } from '@pctl/core';
import { connect, type Api } from './api.js';
import { listByLabel, stackFilters } from './containers.js';
import { removeUnusedImage } from './images.js';
import { entryOptions, type DockerOptions } from './options.js';

interface Noted {
  ctx: ProviderContext;
  o: DockerOptions;
  refs: Set<string>;
}
const noted = new Map<string, Noted>();

// The images built by pctl that `entry` records: its own, then its releases'.
function builtImages(entry: StateEntry | undefined): string[] {
  if (!entry || entry.destroyed) return [];
  const own = entry.builtByPctl && typeof entry.image === 'string' ? [entry.image] : [];
  return [...own, ...releasesOf(entry).flatMap((r) => (r.builtByPctl && r.image ? [r.image] : []))];
}

// The images the service's containers on a remote host run before a deploy replaces them
// (a failed deploy's containers, a failed job's, run an image no entry records).
export async function imagesInUse(api: Api, o: DockerOptions, stack: string, key: string): Promise<string[]> {
  if (!o.host) return [];
  return (await listByLabel(api, 'container', stackFilters(stack, key))).flatMap((c) => (c.image ? [c.image] : []));
}

// After a deploy to a remote host: the images of `previous`, and those the replaced
// containers ran, that the new entry neither runs nor keeps for a rollback (the last
// `history` releases, this one included).
export function noteReplacedRemote(
  p: { ctx: DeployParams['ctx']; o: DockerOptions; replaced: string[] } & Omit<DeployParams, 'ctx'>,
): void {
  const { ctx, o, target } = p;
  if (!o.host) return;
  const previous = p.previous && entryOptions(p.previous).host === o.host ? p.previous : undefined;
  const keep = historyLimit(ctx.config, target.service);
  const stillKept = keep > 1 ? releasesOf(previous).slice(-(keep - 1)) : [];
  const kept = new Set([target.image.ref, ...stillKept.flatMap((r) => (r.image ? [r.image] : []))]);
  const gone = [...builtImages(previous), ...p.replaced].filter((ref) => !kept.has(ref));
  if (!gone.length) return;
  const at = `${o.user ?? ''}@${o.host}:${o.port ?? 22}`;
  const entry = noted.get(at) ?? { ctx, o, refs: new Set<string>() };
  for (const ref of gone) entry.refs.add(ref);
  noted.set(at, entry);
}

// In `settle`, after the drains: the noted images go (a failure is a warning, as core's is).
export async function removeReplacedRemote(): Promise<void> {
  const all = [...noted.values()];
  noted.clear();
  for (const { ctx, o, refs } of all) {
    const api = await connect(ctx, o);
    for (const ref of refs) {
      try {
        await removeUnusedImage(api, ref, ctx.stack);
      } catch (e) {
        ctx.reporter.warn(`could not remove the replaced image ${ref} on ${o.host}: ${(e as Error).message}`);
      }
    }
  }
}

// A deploy to a remote host that failed after sending its image: the image goes again unless
// the service's entry still runs or keeps it, or a container (the failed one, kept) uses it.
// Locally, core's sweep of leaked images does this.
export async function dropSentImage(
  api: Api,
  p: { o: DockerOptions; target: DeployParams['target']; previous?: StateEntry; stack: string },
): Promise<void> {
  const ref = p.target.image.ref;
  if (!p.o.host || !p.target.image.builtByPctl || builtImages(p.previous).includes(ref)) return;
  await removeUnusedImage(api, ref, p.stack).catch(() => undefined);
}

// Destroy on a remote host: the images of every release go with the service (destroy
// removes the one it runs beside this).
export async function removeReleaseImagesRemote(
  api: Api,
  o: DockerOptions,
  entry: StateEntry,
  stack: string,
): Promise<void> {
  if (!o.host) return;
  for (const ref of new Set(builtImages(entry))) if (ref !== entry.image) await removeUnusedImage(api, ref, stack);
}
