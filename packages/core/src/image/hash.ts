// The build hash: the Dockerfile after the entrypoint override, build args, target,
// builder, and every context file the Dockerfile reads (path, type, exec bit, bytes) — all
// of the context when what it reads cannot be known exactly. Timestamps do not count.
// Digests come from the stat-keyed cache when a file is unchanged; others are read, many at once.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import os from 'node:os';
import { withEntrypoint } from './dockerfile.js';
import { ignoreFile, walkContext, type ContextEntry } from './context.js';
import { parseDockerignore } from './dockerignore.js';
import { nodeBuildFs, sha256Hex, type BuildFs } from './buildFs.js';
import { HashCache } from './hashCache.js';
import { selectInputs, type InputSelection } from './inputSelection.js';
import { unreadable } from './regularFile.js';
import { isPctlError } from '../errors.js';
import { runPool } from '../concurrency/pool.js';
import type { BuildSpec } from './spec.js';

export interface BuildRecord {
  /** sha256 hex over every input; the image tag is its first 12 characters. */
  hash: string;
  dockerfileHash: string;
  /** Digest of each input file (path -> sha256 of type, mode and content). */
  inputs: Record<string, string>;
  /** Why the whole context counts (empty or absent: the Dockerfile's inputs are known exactly). */
  wholeContext?: string[];
}

export interface HashOptions {
  cache?: HashCache;
  fs?: BuildFs;
  /** The stand-in a build arg is hashed as (a secret's seal: the hash becomes an image tag). */
  seal?: (value: string) => string;
}

export interface AnalyzedBuild {
  /** The Dockerfile as it is built (entrypoint override applied). */
  dockerfile: string;
  /** Every entry of the context after .dockerignore. */
  context: ContextEntry[];
  /** The ignore file that applied (`<Dockerfile>.dockerignore` or the context's), if any. */
  ignoreFile?: string;
  selection: InputSelection;
}

const CONCURRENCY = Math.max(16, os.availableParallelism() * 16);

async function digestEntry(e: ContextEntry, spec: BuildSpec, bfs: BuildFs, cache: HashCache): Promise<string> {
  const what = { service: spec.service, role: 'build context file' };
  try {
    const st = await bfs.lstat(e.abs);
    const cached = cache.lookup(e.abs, st);
    if (cached) return cached;
    const h = createHash('sha256');
    if (st.isSymbolicLink()) h.update(`symlink\0${await bfs.readlink(e.abs)}`);
    else if (!st.isFile()) h.update(`special\0${st.isFIFO() ? 'fifo' : `device ${st.rdev}`}\0${st.mode & 0o7777}`);
    else {
      h.update(`file\0${st.mode & 0o111 ? 'x' : '-'}\0`);
      await bfs.hashRegular(e.abs, what, h);
    }
    const digest = h.digest('hex');
    cache.record(e.abs, st, digest);
    return digest;
  } catch (err) {
    throw isPctlError(err) ? err : unreadable(e.abs, what, err);
  }
}

// The digest the hash cache holds for an unchanged file, or undefined (changed, racy,
// unknown, or not statable now: digestEntry then reads it, or reports why it cannot).
function cachedDigest(e: ContextEntry, lstat: (file: string) => Stats, cache: HashCache): string | undefined {
  try {
    return cache.lookup(e.abs, lstat(e.abs));
  } catch {
    return undefined;
  }
}

// pctl's own files (state, backup, lock, temp files, .pctl/) often sit in the build
// context; they are never build inputs, or every deploy would change the hash.
export function isPctlBookkeeping(rel: string): boolean {
  const parts = rel.split('/');
  const base = parts[parts.length - 1]!;
  return parts.slice(0, -1).includes('.pctl') || /^\.?pctl\.[^/]*\.json(\..*)?$/.test(base);
}

// Reads the Dockerfile, walks the context and selects what the build reads (no file content read).
export async function analyzeBuild(spec: BuildSpec, bfs: BuildFs = nodeBuildFs): Promise<AnalyzedBuild> {
  const text = (await bfs.readRegular(spec.dockerfilePath, { service: spec.service, role: 'Dockerfile' })).toString(
    'utf8',
  );
  const dockerfile = withEntrypoint(text, spec.entrypoint, spec.target);
  const ignore = await ignoreFile(spec, bfs);
  const patterns = ignore ? parseDockerignore(ignore.text, ignore.file) : [];
  const context = (await walkContext(spec, bfs, patterns)).filter((e) => !isPctlBookkeeping(e.rel));
  const selection = await selectInputs({
    dockerfile: text,
    args: spec.args,
    contextDir: spec.contextDir,
    entries: context,
    fs: bfs,
  });
  return { dockerfile, context, selection, ignoreFile: ignore?.file };
}

// The build record of a spec: its hash, the Dockerfile's, and each input's digest.
export async function hashBuildInputs(
  spec: BuildSpec,
  opts: HashOptions = {},
): Promise<BuildRecord & { analyzed: AnalyzedBuild }> {
  const bfs = opts.fs ?? nodeBuildFs;
  const cache = opts.cache ?? HashCache.empty();
  const analyzed = await analyzeBuild(spec, bfs);
  const copied = analyzed.selection.entries;
  // Unchanged files first, in one synchronous pass (a no-op redeploy: thousands of cache
  // hits, each a stat, with no promise per file); the others are read many at once.
  const lstatSync = bfs.lstatSync;
  const digests = copied.map((e) => (lstatSync ? cachedDigest(e, lstatSync, cache) : undefined));
  const misses = copied.flatMap((_, i) => (digests[i] === undefined ? [i] : []));
  // The first file that cannot be read stops the rest: the build cannot go on without it.
  await runPool(misses, CONCURRENCY, async (i) => void (digests[i] = await digestEntry(copied[i]!, spec, bfs, cache)));
  const inputs: Record<string, string> = {};
  copied.forEach((e, i) => (inputs[e.rel] = digests[i]!));
  const dockerfileHash = sha256Hex(analyzed.dockerfile);
  const h = createHash('sha256');
  h.update(`pctl-build-v2\0dockerfile\0${dockerfileHash}\0`);
  // The engine's two builders make the same image of the same inputs: one tag for both.
  const builder = spec.builder === 'classic' ? 'docker' : spec.builder;
  h.update(`target\0${spec.target ?? ''}\0builder\0${builder}\0command\0${JSON.stringify(spec.command ?? null)}\0`);
  const seal = opts.seal ?? ((v: string) => v);
  for (const k of Object.keys(spec.args).sort()) h.update(`arg\0${k}=${seal(spec.args[k]!)}\0`);
  for (const e of copied) h.update(`in\0${e.rel}\0${inputs[e.rel]}\0`);
  const wholeContext = analyzed.selection.wholeContext;
  return { hash: h.digest('hex'), dockerfileHash, inputs, ...(wholeContext.length ? { wholeContext } : {}), analyzed };
}

// Names the first input that differs between two records, or undefined when equal.
export function diffBuildRecords(prev: BuildRecord | undefined, next: BuildRecord): string | undefined {
  if (!prev) return 'no earlier build is recorded';
  if (prev.hash === next.hash) return undefined;
  if (prev.dockerfileHash !== next.dockerfileHash) return 'the Dockerfile changed';
  const paths = [...new Set([...Object.keys(prev.inputs), ...Object.keys(next.inputs)])].sort();
  for (const p of paths) {
    if (!(p in prev.inputs)) return `${p} was added`;
    if (!(p in next.inputs)) return `${p} was removed`;
    if (prev.inputs[p] !== next.inputs[p]) return `${p} changed`;
  }
  return 'build args, target or builder changed';
}
