// Whether the containers an adoption would keep run the image the service asks for: a
// registry image, the same image ID; a built one, the image pctl builds now with the same
// filesystem layers and configuration (labels aside: pctl adds its own).
import type { AdoptParams, ProviderContext } from '@pctl/core';
import { connect, pathPart, statusOf, type Api } from './api.js';
import { same, type ImageInfo } from './adoptConfig.js';

// An image's inspect data, undefined when the engine has no such image.
export async function inspectImage(api: Api, ref: string): Promise<ImageInfo | undefined> {
  api.log(`GET /images/${pathPart(ref)}/json`);
  try {
    return (await api.docker.getImage(pathPart(ref)).inspect()) as unknown as ImageInfo;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw api.fail(e, `inspecting image ${ref}`);
  }
}

/** An image ID as `docker images` shows it: 12 hex digits, no `sha256:`. */
export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

// An image's configuration without its labels (pctl adds its own labels to what it builds).
function configOf(img: ImageInfo): Record<string, unknown> {
  const { Labels: _l, Image: _i, Hostname: _h, ...rest } = img.Config ?? {};
  return Object.fromEntries(
    Object.entries(rest).filter(
      ([, v]) =>
        v !== null &&
        v !== '' &&
        !(Array.isArray(v) && !v.length) &&
        !(typeof v === 'object' && v && !Object.keys(v).length),
    ),
  );
}

// Why the running image is not the one the service asks for; undefined when it is.
export async function imageMismatch(
  ctx: ProviderContext,
  api: Api,
  params: AdoptParams,
  running: ImageInfo,
): Promise<{ why?: string; note?: string }> {
  const { target, mode } = params;
  if (!target.image.builtByPctl) {
    const wanted = await inspectImage(api, target.image.ref);
    if (!wanted) return { why: `image ${target.image.ref} is not on the Docker engine` };
    return wanted.Id === running.Id
      ? {}
      : { why: `the containers run image ${shortId(running.Id)}, ${target.image.ref} is ${shortId(wanted.Id)}` };
  }
  // pctl builds on the local engine; layer IDs are content hashes, equal on any engine.
  const built = await inspectImage(await connect(ctx, {}), target.image.ref);
  if (!built)
    return mode === 'plan'
      ? { note: `kept if the image built now has the filesystem layers of the running ${shortId(running.Id)}` }
      : { why: `image ${target.image.ref} is missing after the build` };
  if (!same(built.RootFS?.Layers, running.RootFS?.Layers))
    return {
      why: `the image built now (${target.image.ref}) has other filesystem layers than the running ${shortId(running.Id)}: the build context changed, or the build cache no longer holds the original's layers`,
    };
  const a = configOf(built);
  const b = configOf(running);
  const differs = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
  return differs.length
    ? { why: `the image built now differs from the running ${shortId(running.Id)} in ${differs.join(', ')}` }
    : {};
}
