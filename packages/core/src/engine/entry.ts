// The state entry, assembled here alone. A provider returns its own fields (where the service
// runs, what it made); core records the rest: the provider, image, labels, fingerprint and
// hashes, what pctl built and pushed, and whether a deploy is under way or the service is gone.
import { scrubSecrets } from '../output/mask.js';
import type { StateEntry } from '../state/types.js';
import { releasesOf, type Release } from './releases.js';
import { sealSecrets } from './sealSecrets.js';
import type { PlannedTarget } from './targets.js';

/** What a new release records beyond the target: how many to keep, the image's digest, the release a rollback went back to. */
export interface ReleaseNote {
  stack: string;
  keep: number;
  digest?: string;
  rollbackOf?: number;
  /** The provider's fields it needs to restore the release (e.g. the Kubernetes objects applied), secret data left out. */
  restore?: Record<string, unknown>;
  at?: Date;
}

const live = (e: StateEntry | undefined) => (e && !e.destroyed ? e : undefined);

// Written before the provider is called: if pctl dies mid-deploy, the entry (pending, labels) still leads to what it made.
export function intentEntry(p: {
  previous?: StateEntry;
  target: PlannedTarget;
  provider: string;
  secrets: readonly string[];
}): StateEntry {
  const previous = live(p.previous);
  return scrubSecrets(
    {
      ...(previous ?? {}),
      provider: p.provider,
      labels: p.target.labels,
      image: (previous ? previous.image : p.target.image.ref) || undefined,
      pending: true,
      destroyed: false,
    },
    p.secrets,
  );
}

// What a deploy or an adoption leaves: the provider's fields, then core's, every secret masked
// (an image ref or label built from a secret is stored masked, like everything else).
// With `release`, the deploy is recorded as a new release after the previous entry's (the
// last `keep` stay); `applied`, a provider's record of what it applied, goes into the release.
export function recordedEntry(p: {
  own: StateEntry;
  target: PlannedTarget;
  provider: string;
  pushedByPctl: boolean;
  secrets: readonly string[];
  previous?: StateEntry;
  release?: ReleaseNote;
}): StateEntry {
  const { pending: _p, destroyed: _d, releases: _r, applied, ...own } = p.own;
  const { target } = p;
  const releases = p.release ? nextReleases(p, applied) : releasesOf(p.previous);
  return scrubSecrets(
    {
      ...own,
      provider: p.provider,
      image: target.image.ref || undefined,
      // A provider may add labels, never change pctl's (they say which stack and service own what it made).
      labels: { ...(own.labels ?? {}), ...target.labels },
      fingerprint: target.fingerprint,
      buildHash: target.image.buildHash,
      configHash: target.configHash,
      optionsHash: target.optionsHash,
      builtByPctl: target.image.builtByPctl,
      pushedByPctl: p.pushedByPctl,
      ...(releases.length ? { releases } : {}),
    },
    p.secrets,
  );
}

// The previous entry's releases and this one, the last `keep` of them.
function nextReleases(
  p: {
    target: PlannedTarget;
    provider: string;
    pushedByPctl: boolean;
    secrets: readonly string[];
    previous?: StateEntry;
    release?: ReleaseNote;
  },
  applied: unknown,
): Release[] {
  const note = p.release!;
  const { target } = p;
  const before = releasesOf(p.previous);
  const restore = { ...(note.restore ?? {}), ...(applied !== undefined ? { applied } : {}) };
  const release: Release = {
    number: before.reduce((n, r) => Math.max(n, r.number), 0) + 1,
    at: (note.at ?? new Date()).toISOString(),
    provider: p.provider,
    ...(target.image.ref ? { image: target.image.ref } : {}),
    ...(note.digest ? { digest: note.digest } : {}),
    fingerprint: target.fingerprint,
    builtByPctl: target.image.builtByPctl,
    pushedByPctl: p.pushedByPctl,
    ...(target.image.buildHash ? { buildHash: target.image.buildHash } : {}),
    configHash: target.configHash,
    optionsHash: target.optionsHash,
    // Each secret as its seal: a rollback resolves it again from the stack file.
    service: sealSecrets(target.service, p.secrets, note.stack),
    ...(Object.keys(restore).length ? { restore } : {}),
    ...(note.rollbackOf !== undefined ? { rollbackOf: note.rollbackOf } : {}),
  };
  return [...before, release].slice(-Math.max(1, note.keep));
}

// A service whose resources its provider removed: the entry stays, so what it recorded is known.
export function destroyedEntry(e: StateEntry): StateEntry {
  return { ...e, pending: false, destroyed: true };
}

// A service `state recover` found running with no entry: the next deploy redeploys it (pending).
export function recoveredEntry(provider: string, labels: Record<string, string>): StateEntry {
  return { provider, labels, pending: true, recovered: true };
}
