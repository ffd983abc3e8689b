// The build context as Docker sends it: every file, symlink and FIFO after `.dockerignore`
// (the docker CLI sends a FIFO as a FIFO entry and never reads it; sockets it skips).
import path from 'node:path';
import { isExcluded, mayReinclude, parseDockerignore, type IgnorePattern } from './dockerignore.js';
import { nodeBuildFs, type BuildFs } from './buildFs.js';
import { unreadable } from './regularFile.js';
import type { BuildSpec } from './spec.js';

// The `.dockerignore` that applies: `<Dockerfile>.dockerignore` beside the Dockerfile wins
// over the context's `.dockerignore`. Undefined when there is none.
export async function ignoreFile(
  spec: BuildSpec,
  bfs: BuildFs = nodeBuildFs,
): Promise<{ file: string; text: string } | undefined> {
  for (const file of [`${spec.dockerfilePath}.dockerignore`, path.join(spec.contextDir, '.dockerignore')]) {
    try {
      const text = (await bfs.readRegular(file, { service: spec.service, role: '.dockerignore' })).toString('utf8');
      return { file, text };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return undefined;
}

// The ignore patterns for a build (none without a `.dockerignore`).
export async function ignorePatterns(spec: BuildSpec, bfs: BuildFs = nodeBuildFs): Promise<IgnorePattern[]> {
  const f = await ignoreFile(spec, bfs);
  return f ? parseDockerignore(f.text, f.file) : [];
}

export interface ContextEntry {
  /** Slash-separated path relative to the context. */
  rel: string;
  abs: string;
  /** `special`: a FIFO or device, sent as such (its content is never read). */
  type: 'file' | 'symlink' | 'special';
}

// Walks the context like the docker CLI: excluded folders are skipped unless an exception
// pattern names something inside them.
export async function walkContext(
  spec: BuildSpec,
  bfs: BuildFs = nodeBuildFs,
  given?: IgnorePattern[],
): Promise<ContextEntry[]> {
  const patterns = given ?? (await ignorePatterns(spec, bfs));
  const out: ContextEntry[] = [];
  const walk = async (dirAbs: string, dirRel: string) => {
    let entries;
    try {
      entries = await bfs.readdir(dirAbs);
    } catch (e) {
      throw unreadable(dirAbs, { service: spec.service, role: 'build context folder' }, e);
    }
    for (const ent of entries) {
      const rel = dirRel ? `${dirRel}/${ent.name}` : ent.name;
      const abs = path.join(dirAbs, ent.name);
      const excluded = patterns.length > 0 && isExcluded(rel, patterns);
      if (ent.isDirectory()) {
        if (!excluded || mayReinclude(rel, patterns)) await walk(abs, rel);
        continue;
      }
      if (excluded) continue;
      if (ent.isSymbolicLink()) out.push({ rel, abs, type: 'symlink' });
      else if (ent.isFile()) out.push({ rel, abs, type: 'file' });
      else if (ent.isFIFO() || ent.isCharacterDevice() || ent.isBlockDevice()) out.push({ rel, abs, type: 'special' });
    }
  };
  await walk(spec.contextDir, '');
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

// The folders of the context the docker CLI sends as entries of their own (those not
// excluded: an empty one reaches the image through `COPY .`), sorted. pctl's `.pctl/` is left out.
export async function walkContextFolders(
  spec: BuildSpec,
  patterns: IgnorePattern[],
  bfs: BuildFs = nodeBuildFs,
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dirAbs: string, dirRel: string) => {
    const entries = await bfs.readdir(dirAbs).catch(() => []);
    for (const ent of entries) {
      if (!ent.isDirectory()) continue;
      const rel = dirRel ? `${dirRel}/${ent.name}` : ent.name;
      if (ent.name === '.pctl') continue;
      const excluded = patterns.length > 0 && isExcluded(rel, patterns);
      if (!excluded) out.push(rel);
      if (!excluded || mayReinclude(rel, patterns)) await walk(path.join(dirAbs, ent.name), rel);
    }
  };
  await walk(spec.contextDir, '');
  return out.sort();
}

// `pctl build --list`: every file of the context after .dockerignore, sorted.
export async function listContextFiles(spec: BuildSpec, bfs: BuildFs = nodeBuildFs): Promise<string[]> {
  return (await walkContext(spec, bfs)).map((e) => e.rel);
}
