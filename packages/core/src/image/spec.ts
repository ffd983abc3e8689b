// Where a service's image is built from: `image: ./path/Dockerfile` (context: the stack
// file's folder, as the original pctl), `image: ./dir` (a folder with a Dockerfile: the
// context), or a `build:` block. Anything else is a prebuilt image used as it is.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import { PctlError } from '../errors.js';
import { parseCacheEntry, type CacheEntry } from './buildkit/cacheOptions.js';

export interface BuildSpec {
  /** The service it is built for, to name it in messages. */
  service?: string;
  contextDir: string;
  /** Absolute path of the Dockerfile. */
  dockerfilePath: string;
  target?: string;
  args: Record<string, string>;
  entrypoint?: string[];
  /** Build secrets by id (values resolved), for RUN --mount=type=secret only. */
  secrets?: Record<string, string>;
  /** ssh agents by id (`default` from build.ssh: default), their socket paths as written (resolved at build time). */
  ssh?: Record<string, string>;
  /** Registry caches BuildKit imports (build.cacheFrom). */
  cacheFrom?: CacheEntry[];
  /** Caches exported (build.cacheTo). */
  cacheTo?: CacheEntry[];
  /** docker: the engine's BuildKit (classic where it has none); classic: the engine's classic builder. */
  builder: 'docker' | 'classic' | 'buildx' | 'custom';
  command?: string[];
}

const kind = (p: string): 'file' | 'dir' | 'none' => {
  try {
    const st = statSync(p);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'none';
  }
};

export function isBuildPath(image: string | undefined): boolean {
  return Boolean(image && (image.startsWith('./') || image.startsWith('../')));
}

export function buildSpecFor(service: ServiceConfig, configDir: string, name?: string): BuildSpec | undefined {
  const b = service.build;
  if (b) {
    const contextDir = path.resolve(configDir, b.context ?? '.');
    if (kind(contextDir) !== 'dir')
      throw missing(`build context ${contextDir} is not a folder`, 'fix build.context (relative to the stack file)');
    const dockerfilePath = path.resolve(contextDir, b.dockerfile ?? 'Dockerfile');
    if (kind(dockerfilePath) !== 'file')
      throw missing(`Dockerfile not found: ${dockerfilePath}`, 'fix build.dockerfile (relative to the build context)');
    return {
      contextDir,
      dockerfilePath,
      target: b.target,
      args: { ...(b.args ?? {}) },
      entrypoint: b.entrypoint,
      ...(b.secrets ? { secrets: { ...b.secrets } } : {}),
      ...(b.ssh ? { ssh: sshSockets(b.ssh, configDir) } : {}),
      ...(b.cacheFrom ? { cacheFrom: cacheEntries(b.cacheFrom, false, name) } : {}),
      ...(b.cacheTo ? { cacheTo: cacheEntries(b.cacheTo, true, name) } : {}),
      builder: b.builder ?? (b.command ? 'custom' : 'docker'),
      command: b.command,
    };
  }
  if (!isBuildPath(service.image)) return undefined;
  const target = path.resolve(configDir, service.image!);
  const k = kind(target);
  if (k === 'dir') {
    const dockerfilePath = path.join(target, 'Dockerfile');
    if (kind(dockerfilePath) !== 'file')
      throw missing(
        `${service.image} is a folder without a Dockerfile`,
        'add a Dockerfile to it, or point image at the Dockerfile',
      );
    return { contextDir: target, dockerfilePath, args: {}, builder: 'docker' };
  }
  if (k === 'file') return { contextDir: configDir, dockerfilePath: target, args: {}, builder: 'docker' };
  throw missing(
    `image ${service.image}: no such Dockerfile or folder (${target})`,
    'image paths are relative to the stack file',
  );
}

// build.ssh as socket paths by id: '' is the user's agent ($SSH_AUTH_SOCK, read at build
// time); other paths are relative to the stack file, `~/` the home folder.
function sshSockets(ssh: 'default' | Record<string, string>, configDir: string): Record<string, string> {
  if (ssh === 'default') return { default: '' };
  return Object.fromEntries(
    Object.entries(ssh).map(([id, p]) => [
      id,
      path.resolve(configDir, p.startsWith('~/') ? path.join(homedir(), p.slice(2)) : p),
    ]),
  );
}

function cacheEntries(value: string | string[], to: boolean, service: string | undefined): CacheEntry[] {
  const list = typeof value === 'string' ? [value] : value;
  return list.map((raw, i) =>
    parseCacheEntry(
      raw,
      to,
      `${service ? `services.${service}.` : ''}build.${to ? 'cacheTo' : 'cacheFrom'}${typeof value === 'string' ? '' : `[${i}]`}`,
    ),
  );
}

function missing(message: string, hint: string): PctlError {
  return new PctlError({ code: 'BuildInputMissing', message, fault: 'user', hint });
}
