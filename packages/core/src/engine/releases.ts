// Releases: what every deploy of a service leaves in its state entry (`releases`, oldest
// first), so that `pctl history` can list them and `pctl rollback` redeploy one without a
// build. A release holds the service's settings with every secret replaced by its seal
// (sealSecrets.ts): a rollback resolves the secrets again from the stack file, none is stored.
import { DEFAULT_HISTORY, type ServiceConfig, type StackConfig } from '../config/schema.js';
import { PctlError } from '../errors.js';
import type { StateEntry } from '../state/types.js';
import { sealSecret } from './sealSecrets.js';

export interface Release {
  /** 1, 2, ... per service; never reused. */
  number: number;
  /** ISO time the release was recorded. */
  at: string;
  provider: string;
  image?: string;
  /** The image's digest (`repo@sha256:...`) or, for an image never pushed, its id. */
  digest?: string;
  fingerprint: string;
  builtByPctl?: boolean;
  pushedByPctl?: boolean;
  buildHash?: string;
  configHash?: string;
  optionsHash?: string;
  /** The service as deployed, each secret replaced by its seal. */
  service: ServiceConfig;
  /** What the provider recorded for it (e.g. the Kubernetes objects it applied, without secret data). */
  restore?: Record<string, unknown>;
  /** Set on a release that `pctl rollback` made: the release it went back to. */
  rollbackOf?: number;
}

// The releases an entry records, oldest first; anything that is not one is left out.
export function releasesOf(entry: StateEntry | undefined): Release[] {
  const list = entry?.releases;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (r): r is Release =>
      Boolean(r) &&
      typeof r === 'object' &&
      Number.isInteger((r as Release).number) &&
      typeof (r as Release).fingerprint === 'string' &&
      Boolean((r as Release).service) &&
      typeof (r as Release).service === 'object',
  );
}

// How many releases a service keeps: its own `history`, the stack's, or 10.
export function historyLimit(
  config: Pick<StackConfig, 'history'> | undefined,
  service: Pick<ServiceConfig, 'history'> | undefined,
): number {
  return service?.history ?? config?.history ?? DEFAULT_HISTORY;
}

// The image references kept releases of these entries run (cleanup keeps them).
export function releaseImages(entries: Iterable<StateEntry>): string[] {
  const out: string[] = [];
  for (const e of entries) if (!e.destroyed) for (const r of releasesOf(e)) if (r.image) out.push(r.image);
  return out;
}

// The release's settings with each seal replaced by the secret the stack file resolves to
// now; a secret that changed (or is gone) since the release leaves its seal unmatched.
export function unsealService(release: Release, secrets: readonly string[], stack: string, key: string): ServiceConfig {
  const bySeal = new Map(secrets.map((s) => [sealSecret(s, stack), s]));
  const missing: string[] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') {
      return v.replace(/sealed:[0-9a-f]{32}/g, (seal) => {
        const secret = bySeal.get(seal);
        if (secret === undefined) missing.push(path);
        return secret ?? seal;
      });
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
    return v;
  };
  const service = walk(release.service, '') as ServiceConfig;
  if (missing.length) {
    throw new PctlError({
      code: 'ReleaseSecretChanged',
      message: `${key}: release ${release.number} used a secret at ${[...new Set(missing)].join(', ')} that the stack file no longer resolves to; nothing was changed`,
      fault: 'user',
      exitCode: 1,
      hint: 'secrets are never stored: restore the secret the release used, or deploy the stack file as it is',
    });
  }
  return service;
}
