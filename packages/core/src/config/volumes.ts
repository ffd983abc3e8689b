// Volumes as the stack file writes them: `{path}` (storage the provider makes), or the
// compose short form `"./data:/data[:ro]"` (a host folder, relative to the stack file).
// Providers get one normalised shape: `{path, hostPath?, readOnly?}`.
import path from 'node:path';

/** A volume after loading: `hostPath` is absolute (a bind mount) or absent (provider storage). */
export interface VolumeMount {
  /** Absolute mount point in the container. */
  path: string;
  /** Absolute host folder to mount; absent: storage the provider makes. */
  hostPath?: string;
  readOnly?: boolean;
}

/** Parses the short form; a string result says what is wrong. Host paths stay as written. */
export function parseVolumeString(s: string): VolumeMount | string {
  const parts = s.split(':');
  const mode = parts.length > 1 && /^(ro|rw)$/.test(parts.at(-1)!) ? parts.pop() : undefined;
  if (parts.length === 1) {
    if (mode) return `"${s}": a mode needs a host path and a mount point, like "./data:/data:ro"`;
    return parts[0]!.startsWith('/')
      ? { path: parts[0]! }
      : 'a volume is an absolute mount point like /data, or "./host-folder:/data"';
  }
  if (parts.length !== 2) return `"${s}": expected "./host-folder:/mount/point" with an optional ":ro"`;
  const [host, target] = parts as [string, string];
  if (!target.startsWith('/')) return `mount point "${target}" must be absolute`;
  if (!/^(\.{1,2}(\/|$)|\/)/.test(host)) {
    return `"${host}" is neither a host path (start it with ./ or /) nor supported as a named volume; use { path: ${target} } for storage pctl manages`;
  }
  return { path: target, hostPath: host, ...(mode === 'ro' ? { readOnly: true } : {}) };
}

/** The volume with its host path made absolute against the stack file's folder. */
export function resolveVolume(v: VolumeMount, configDir: string): VolumeMount {
  return v.hostPath === undefined ? v : { ...v, hostPath: path.resolve(configDir, v.hostPath) };
}

/** Index of a volume whose mount point repeats an earlier one's, with that earlier index. */
export function duplicateMount(volumes: VolumeMount[]): { index: number; first: number } | undefined {
  const seen = new Map<string, number>();
  for (const [index, v] of volumes.entries()) {
    const key = path.posix.normalize(v.path).replace(/\/+$/, '') || '/';
    const first = seen.get(key);
    if (first !== undefined) return { index, first };
    seen.set(key, index);
  }
  return undefined;
}

// The index of a mount over the container's root (`/`, `//`, `/.`), which no engine takes.
export function rootMount(volumes: VolumeMount[]): number | undefined {
  const i = volumes.findIndex((v) => path.posix.normalize(v.path).replace(/\/+$/, '') === '');
  return i < 0 ? undefined : i;
}
