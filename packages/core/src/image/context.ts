// The build context as Docker sends it: every file and symlink after `.dockerignore`.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isExcluded, mayReinclude, parseDockerignore, type IgnorePattern } from './dockerignore.js';
import type { BuildSpec } from './spec.js';

// The ignore patterns for a build: `<Dockerfile>.dockerignore` beside the Dockerfile wins
// over the context's `.dockerignore`.
export async function ignorePatterns(spec: BuildSpec): Promise<IgnorePattern[]> {
  for (const file of [`${spec.dockerfilePath}.dockerignore`, path.join(spec.contextDir, '.dockerignore')]) {
    try {
      return parseDockerignore(await fs.readFile(file, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return [];
}

export interface ContextEntry {
  /** Slash-separated path relative to the context. */
  rel: string;
  abs: string;
  type: 'file' | 'symlink';
}

// Walks the context like the docker CLI: excluded folders are skipped unless an exception
// pattern names something inside them.
export async function walkContext(spec: BuildSpec): Promise<ContextEntry[]> {
  const patterns = await ignorePatterns(spec);
  const out: ContextEntry[] = [];
  const walk = async (dirAbs: string, dirRel: string) => {
    const entries = await fs.readdir(dirAbs, { withFileTypes: true });
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
    }
  };
  await walk(spec.contextDir, '');
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

// `pctl build --list`: every file of the context after .dockerignore, sorted.
export async function listContextFiles(spec: BuildSpec): Promise<string[]> {
  return (await walkContext(spec)).map((e) => e.rel);
}
