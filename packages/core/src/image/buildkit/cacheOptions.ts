// `build.cacheFrom` / `build.cacheTo`: registry caches in buildx's syntax
// (`type=registry,ref=REF[,mode=min]`, `type=inline`, or a bare REF for cacheFrom).
// The engine's /build API (Docker 20.10, API 1.41) takes `cachefrom` (registry refs
// BuildKit imports: a buildx registry cache or an image with inline cache) but has no
// cache export of its own: it writes the inline cache into the image config when asked
// (the BUILDKIT_INLINE_CACHE build arg). So `cacheTo: type=registry,ref=REF` is the
// built image with its inline cache, tagged REF and pushed: the layers of the final stage
// (buildx's mode=min); mode=max (every stage's layers) needs builder: buildx.
import { PctlError } from '../../errors.js';

export interface CacheEntry {
  type: 'registry' | 'inline';
  ref?: string;
  mode?: 'min' | 'max';
  /** As written, for buildx. */
  raw: string;
}

// A docker image reference: registry host[:port]/path[:tag][@digest], nothing else.
const IMAGE_REF =
  /^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$|^[a-z0-9]+([._-]+[a-z0-9]+)*(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

function bad(where: string, message: string, hint: string): PctlError {
  return new PctlError({
    code: 'InvalidConfig',
    exitCode: 1,
    fault: 'user',
    message: where ? `${where}: ${message}` : message,
    hint,
  });
}

// One entry of cacheFrom (`to` false) or cacheTo (`to` true); `where` names it in errors.
export function parseCacheEntry(raw: string, to: boolean, where: string): CacheEntry {
  const field = to ? 'cacheTo' : 'cacheFrom';
  const forms = to ? 'type=registry,ref=REGISTRY/REPO:TAG or type=inline' : 'type=registry,ref=REGISTRY/REPO:TAG';
  if (!raw.includes('=')) {
    if (to) throw bad(where, `${JSON.stringify(raw)} is not a cache export`, `write ${forms}`);
    raw = `type=registry,ref=${raw}`;
  }
  const attrs = new Map<string, string>();
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || attrs.has(key)) throw bad(where, `${JSON.stringify(part)} is not one key=value`, `write ${forms}`);
    attrs.set(key, part.slice(eq + 1));
  }
  const type = attrs.get('type') ?? 'registry';
  const known = type === 'registry' ? ['type', 'ref', 'mode'] : type === 'inline' && to ? ['type'] : undefined;
  if (!known)
    throw bad(
      where,
      `${field} type=${type} is not supported (the engine's BuildKit takes registry caches only)`,
      `write ${forms}; local and gha caches need a buildx builder of their own`,
    );
  const extra = [...attrs.keys()].find((k) => !known.includes(k));
  if (extra) throw bad(where, `${field} type=${type} has no option ${extra}`, `write ${forms}`);
  const mode = attrs.get('mode');
  if (mode !== undefined && (!to || (mode !== 'min' && mode !== 'max')))
    throw bad(where, `${field} mode=${mode} is not valid`, to ? 'mode is min or max' : 'mode is for cacheTo');
  const ref = attrs.get('ref');
  if (type === 'registry' && (!ref || !IMAGE_REF.test(ref)))
    throw bad(
      where,
      `${field} needs ref=REGISTRY/REPO:TAG, a valid image reference (got ${JSON.stringify(ref ?? '')})`,
      `write ${forms}`,
    );
  return {
    type: type as 'registry' | 'inline',
    ...(ref ? { ref } : {}),
    ...(mode ? { mode: mode as 'min' | 'max' } : {}),
    raw,
  };
}

// What is wrong with one cacheFrom (`to` false) or cacheTo entry, with its fix, for the
// stack file's schema (which names the file, line and path); undefined when nothing is.
export function cacheEntryIssue(raw: string, to: boolean): string | undefined {
  try {
    parseCacheEntry(raw, to, '');
    return undefined;
  } catch (e) {
    if (!(e instanceof PctlError)) throw e;
    return e.hint ? `${e.message} (${e.hint})` : e.message;
  }
}

// cacheTo on the engine's BuildKit: mode=max cannot be had through its API.
export function engineCacheTo(entries: readonly CacheEntry[], service: string | undefined): CacheEntry[] {
  const max = entries.find((e) => e.mode === 'max');
  if (max)
    throw new PctlError({
      code: 'BuildCacheUnsupported',
      exitCode: 1,
      fault: 'user',
      message: `${service ? `service ${service}: ` : ''}build.cacheTo ${max.raw}: the engine's build API exports only the inline cache of the final image (mode=min)`,
      hint: 'drop mode=max (pctl then pushes the image with its inline cache to ref), or use builder: buildx with a docker-container builder',
    });
  return [...entries];
}
