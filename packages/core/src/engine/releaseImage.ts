// A release's image: its digest when recorded, and whether it still exists (on the local
// engine, or in the registry it was pushed to) before `pctl rollback` changes anything.
import type { ServiceConfig } from '../config/schema.js';
import type { ProviderContext } from '../contract.js';
import { engineFor } from '../dockerApi/index.js';
import { engineStatusCode } from '../dockerApi/index.js';
import { PctlError } from '../errors.js';
import { isImageReference, parseImage, RegistryApi } from '../image/index.js';
import type { ReleaseNote } from './entry.js';
import { historyLimit, type Release } from './releases.js';

// The digest (`repo@sha256:...`) the local engine knows for `ref`, else its image id; undefined when it has none.
export async function imageDigest(ctx: ProviderContext, ref: string): Promise<string | undefined> {
  if (!ref || !isImageReference(ref)) return undefined;
  try {
    const { api } = await engineFor(ctx);
    const info = await api.getImage(encodeURIComponent(ref)).inspect();
    return info.RepoDigests?.[0] ?? info.Id;
  } catch {
    return undefined; // no engine, or no such image: the release records no digest
  }
}

// Throws ReleaseImageGone when neither the local engine nor the registry the release pushed
// to has its image. A named image pctl did not build (nginx:1.27) is the provider's to pull.
export async function requireReleaseImage(
  ctx: ProviderContext,
  key: string,
  release: Release,
  service: ServiceConfig,
): Promise<void> {
  const ref = release.image;
  if (!ref || !release.builtByPctl) return;
  if (await onEngine(ctx, ref, release.digest)) return;
  const registry = service.registry;
  if (release.pushedByPctl && registry) {
    const { host, name, tag } = parseImage(ref);
    const credentials =
      typeof registry === 'object' && registry.username && registry.password
        ? { username: registry.username, password: registry.password }
        : undefined;
    if (await new RegistryApi({ host, credentials }).digest(name, tag).catch(() => undefined)) return;
  }
  throw new PctlError({
    code: 'ReleaseImageGone',
    message: `${key}: the image ${ref} of release ${release.number} is gone from the Docker engine${release.pushedByPctl && registry ? ' and from its registry' : ''}; nothing was changed`,
    fault: 'environment',
    exitCode: 1,
    hint: 'roll back to a release whose image still exists (`pctl history`), or deploy again to build it',
  });
}

// True when the engine has `ref`, and (when a digest was recorded) it is still that image.
async function onEngine(ctx: ProviderContext, ref: string, digest: string | undefined): Promise<boolean> {
  if (!isImageReference(ref)) return false;
  const { api } = await engineFor(ctx);
  try {
    const info = await api.getImage(encodeURIComponent(ref)).inspect();
    return !digest || info.Id === digest || (info.RepoDigests ?? []).includes(digest);
  } catch (e) {
    if (engineStatusCode(e) === 404) return false;
    throw e;
  }
}

// What a new release of `target` records beyond the target itself.
// The digest is asked of the local engine for images pctl built there only: a named image
// (nginx:1.27) is pulled by the platform, whose copy the local engine does not know.
export async function releaseNote(
  ctx: ProviderContext,
  target: { name: string; image: { ref: string; builtByPctl: boolean } },
  rollbackOf?: number,
): Promise<ReleaseNote> {
  return {
    stack: ctx.stack,
    keep: historyLimit(ctx.config, ctx.config.services[target.name]),
    digest: target.image.builtByPctl ? await imageDigest(ctx, target.image.ref) : undefined,
    ...(rollbackOf !== undefined ? { rollbackOf } : {}),
  };
}
