// Where each of a service's `volumes` lives inside its one claim: a sub-path per mount
// path, different for different paths (so `/var/lib/data`, `/var/lib-data` and
// `/VAR/LIB/DATA` never share data), and the same as earlier pctl versions chose for the
// plain paths they handled, so data written then is found again.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PctlError } from '@pctl/core';

/** One mount of the service's storage. */
export interface VolumeMount {
  /** Absolute mount path in the container, normalised (`/data/` → `/data`). */
  mountPath: string;
  /** Folder inside the claim; a single path segment. */
  subPath: string;
}

/**
 * The sub-path for a mount path. Paths of lowercase letters and digits between single
 * slashes keep the old readable form (`/var/lib/data` → `var-lib-data`, `/` → `root`);
 * every other path gets its readable form, `--` and 10 hex of its sha256
 * (`/var/lib-data` → `var-lib-data--<hash>`), a form the plain paths never take.
 */
export function subPathFor(mountPath: string): string {
  const p = path.posix.normalize(mountPath).replace(/(.)\/+$/, '$1');
  if (p === '/') return 'root';
  if (/^(\/[a-z0-9]+)+$/.test(p)) return p.slice(1).replace(/\//g, '-');
  const readable = p
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(p).digest('hex').slice(0, 10);
  return `${readable || 'path'}--${hash}`;
}

/** What of a service's `volumes` a cluster cannot mount, by index (`validate` and `plan` report these). */
export function volumeIssues(
  volumes: readonly { path: string; hostPath?: string }[],
): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const seen = new Map<string, string>();
  volumes.forEach((v, i) => {
    if (v.hostPath !== undefined)
      out.push({
        path: ['volumes', i],
        message: `a host folder (${v.hostPath}) cannot be mounted: a Kubernetes cluster's nodes do not have it (write { path: ${v.path} } for storage from the provider's storage option, or ship the files in the image)`,
      });
    const mountPath = path.posix.normalize(v.path).replace(/(.)\/+$/, '$1');
    const before = seen.get(mountPath);
    if (before !== undefined)
      out.push({
        path: ['volumes', i],
        message: `"${before}" and "${v.path}" are the same mount path ${mountPath} (list each path once)`,
      });
    seen.set(mountPath, v.path);
  });
  return out;
}

/** The mounts of a service's `volumes`; a path listed twice (also as `/data` and `/data/`) is an error naming both. */
export function volumeMounts(volumes: readonly { path: string; hostPath?: string }[]): VolumeMount[] {
  const seen = new Map<string, string>();
  return volumes.map((v) => {
    // A folder of the machine running pctl does not exist on a cluster's nodes: refused, never
    // silently replaced by an empty claim.
    if (v.hostPath !== undefined) {
      throw new PctlError({
        code: 'InvalidConfig',
        fault: 'user',
        message: `volume "${v.hostPath}:${v.path}" mounts a host folder, which a Kubernetes cluster does not have`,
        hint: `write { path: ${v.path} } for storage from the provider's storage option, or ship the files in the image`,
      });
    }
    const mountPath = path.posix.normalize(v.path).replace(/(.)\/+$/, '$1');
    const before = seen.get(mountPath);
    if (before !== undefined) {
      throw new PctlError({
        code: 'InvalidConfig',
        fault: 'user',
        message: `volumes "${before}" and "${v.path}" are the same mount path ${mountPath}`,
        hint: 'list each path once',
      });
    }
    seen.set(mountPath, v.path);
    return { mountPath, subPath: subPathFor(mountPath) };
  });
}
