// Images on a Docker engine through its API: does a ref exist, which of several do, tag
// one, remove one. The local engine unless an ssh target is given.
import type { Exec } from '../exec.js';
import { PctlError } from '../errors.js';
import { engineError, engineFor, engineStatusCode, type EngineContext, type SshTarget } from '../dockerApi/index.js';

// A Docker image reference (name[:tag][@digest]) or an image id: only these go into an API path.
const REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;
const IMAGE_ID = /^(?:sha256:)?[0-9a-f]{12,64}$/;

// True for a string the engine can take as an image name or id (never a path trick or a query).
export function isImageReference(ref: string): boolean {
  return ref.length <= 512 && (REFERENCE.test(ref) || IMAGE_ID.test(ref));
}

const status = engineStatusCode;

// The engine's own message in a failed API call ("No such image: x"), without dockerode's prefix.
export function engineMessage(e: unknown): string {
  const json = (e as { json?: { message?: string } | null })?.json;
  const text = json?.message ?? String((e as Error)?.message ?? e);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

// A context for engineFor from a bare exec (the callers that hold only an Exec).
const callContext = (c: Exec | EngineContext): EngineContext => (typeof c === 'function' ? { exec: c } : c);

// True when the engine has the image (an invalid reference is no image).
export async function imageExists(exec: Exec | EngineContext, ref: string, target?: SshTarget): Promise<boolean> {
  if (!isImageReference(ref)) return false;
  const engine = await engineFor(callContext(exec), target);
  try {
    await engine.api.getImage(encodeURIComponent(ref)).inspect();
    return true;
  } catch (e) {
    if (status(e) === 404) return false;
    throw engineError(e, `checking image ${ref}`, engine);
  }
}

// Which of these image refs the engine has as tags (one inspect each, all at once).
export async function existingImages(
  exec: Exec | EngineContext,
  refs: string[],
  target?: SshTarget,
): Promise<Set<string>> {
  const valid = [...new Set(refs)].filter(isImageReference);
  if (!valid.length) return new Set();
  const engine = await engineFor(callContext(exec), target);
  const found = await Promise.all(
    valid.map(async (ref) => {
      try {
        const tags = (await engine.api.getImage(encodeURIComponent(ref)).inspect()).RepoTags ?? [];
        return tags.includes(ref) || tags.includes(`docker.io/library/${ref}`) ? ref : undefined;
      } catch (e) {
        if (status(e) === 404) return undefined;
        throw engineError(e, 'checking images', engine);
      }
    }),
  );
  return new Set(found.filter((r): r is string => r !== undefined));
}

export interface RemoveImageResult {
  /** removed; missing: no such image; in-use: a container uses it, or it must be forced. */
  result: 'removed' | 'missing' | 'in-use' | 'failed';
  /** The engine's message when not removed. */
  message?: string;
}

// True when the image `ref` names carries the labels pctl builds into a stack's images (the
// ownership rule: a state entry's `builtByPctl` is no proof). False when it is missing or unreadable.
export async function builtForStack(
  ctx: EngineContext,
  ref: string,
  stack: string,
  target?: SshTarget,
): Promise<boolean> {
  if (!isImageReference(ref)) return false;
  try {
    const engine = await engineFor(ctx, target);
    const labels = (await engine.api.getImage(encodeURIComponent(ref)).inspect()).Config?.Labels ?? {};
    return labels['managed-by'] === 'pctl' && labels['pctl-stack'] === stack;
  } catch {
    return false;
  }
}

// Removes (untags) one image as `docker rmi` does (no force); never throws.
export async function removeImage(ctx: EngineContext, ref: string, target?: SshTarget): Promise<RemoveImageResult> {
  if (!isImageReference(ref)) return { result: 'missing', message: `not an image reference: ${ref}` };
  try {
    const engine = await engineFor(ctx, target);
    await engine.api.getImage(encodeURIComponent(ref)).remove();
    return { result: 'removed' };
  } catch (e) {
    const s = status(e);
    if (s === 404) return { result: 'missing', message: engineMessage(e) };
    if (s === 409) return { result: 'in-use', message: engineMessage(e) };
    return { result: 'failed', message: s ? engineMessage(e) : engineError(e, `removing image ${ref}`).message };
  }
}

// The repository and tag of `name[:tag]` (a registry port is not a tag).
function splitTag(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

// Tags an image with another name (`docker tag`); DockerTagFailed when the engine refuses.
export async function tagImage(ctx: EngineContext, from: string, to: string, target?: SshTarget): Promise<void> {
  const refuse = (why: string) =>
    new PctlError({
      code: 'DockerTagFailed',
      message: `tagging ${from} as ${to}: ${why}`,
      fault: 'environment',
      exitCode: 1,
    });
  if (!isImageReference(from)) throw refuse(`${from} is not an image reference`);
  if (!isImageReference(to) || to.includes('@')) throw refuse(`${to} is not an image name with a tag`);
  const engine = await engineFor(ctx, target);
  try {
    await engine.api.getImage(encodeURIComponent(from)).tag(splitTag(to));
  } catch (e) {
    if (status(e)) throw refuse(engineMessage(e));
    throw engineError(e, `tagging ${from} as ${to}`, engine);
  }
}

/** What `docker image inspect` says of an image that matters to compare it with another. */
export interface LocalImage {
  Id: string;
  Os?: string;
  Architecture?: string;
  RootFS?: { Layers?: string[] };
  Config?: Record<string, unknown>;
}

// An image's inspect data on the local engine (or the ssh target's); undefined when it has none.
export async function inspectImage(
  ctx: EngineContext,
  ref: string,
  target?: SshTarget,
): Promise<LocalImage | undefined> {
  if (!isImageReference(ref)) return undefined;
  const engine = await engineFor(ctx, target);
  try {
    return (await engine.api.getImage(encodeURIComponent(ref)).inspect()) as unknown as LocalImage;
  } catch (e) {
    if (status(e) === 404) return undefined;
    throw engineError(e, `inspecting image ${ref}`, engine);
  }
}
