// From a Dockerfile's COPY/ADD sources to the context entries the build reads. A source is
// a path (a folder brings everything under it) or a filepath.Match wildcard; a symlink
// named as a source (or on the way to one) is followed inside the context, as Docker
// resolves it, so the file it points to counts too.
import path from 'node:path';
import { cleanPath } from './dockerignore.js';
import { dockerfileInputs } from './dockerfileInputs.js';
import { compileGlob, matchGlob } from './globMatch.js';
import { nodeBuildFs, type BuildFs } from './buildFs.js';
import type { ContextEntry } from './context.js';

export interface InputSelection {
  /** The context entries the build reads (all of them when `wholeContext`). */
  entries: ContextEntry[];
  /** Why every context file counts; empty when the Dockerfile's inputs are known exactly. */
  wholeContext: string[];
  /** True when the known inputs are the whole context anyway (`COPY . /app`). */
  copiesEverything: boolean;
}

const hasWildcard = (s: string) => /(^|[^\\])[*?[]/.test(s);

// A source relative to the context root: a leading `/` and `..` past the root are dropped
// (Docker keeps every source inside the context).
export function contextRelative(source: string): string {
  const c = cleanPath(`/${source}`);
  return c === '/' ? '.' : c.slice(1);
}

// Follows symlinks along `rel` inside the context (absolute targets from its root), up to
// 40 links; the links passed are returned too, since the build reads them.
async function resolveInContext(
  contextDir: string,
  rel: string,
  bfs: BuildFs,
): Promise<{ resolved: string; links: string[] }> {
  const links: string[] = [];
  let parts = rel === '.' ? [] : rel.split('/');
  let done: string[] = [];
  for (let hops = 0; parts.length; ) {
    const part = parts.shift()!;
    const cur = [...done, part].join('/');
    let target: string | undefined;
    try {
      const st = await bfs.lstat(path.join(contextDir, cur));
      if (st.isSymbolicLink()) target = await bfs.readlink(path.join(contextDir, cur));
    } catch {
      // Missing: Docker fails the build; what is named still counts.
    }
    if (target === undefined || ++hops > 40) {
      done.push(part);
      continue;
    }
    links.push(cur);
    const joined = target.startsWith('/') ? target : [...done, target].join('/');
    const next = contextRelative(joined);
    done = [];
    parts = [...(next === '.' ? [] : next.split('/')), ...parts];
  }
  return { resolved: done.length ? done.join('/') : '.', links };
}

// The entries a Dockerfile reads from a walked context, for the given build args.
export async function selectInputs(opts: {
  dockerfile: string;
  args: Record<string, string>;
  contextDir: string;
  entries: ContextEntry[];
  fs?: BuildFs;
}): Promise<InputSelection> {
  const bfs = opts.fs ?? nodeBuildFs;
  const { copies, mounts, unknown } = dockerfileInputs(opts.dockerfile, opts.args);
  const all = opts.entries;
  if (unknown.length) return { entries: all, wholeContext: unknown, copiesEverything: true };
  const roots = new Set<string>();
  const wholeContext: string[] = [];
  for (const c of [...copies, ...mounts]) {
    const rel = contextRelative(c.source);
    if (!hasWildcard(rel)) {
      const plain = rel.replace(/\\(.)/g, '$1');
      roots.add(plain);
      continue;
    }
    const glob = compileGlob(rel, 'filepath');
    if (glob.error) {
      wholeContext.push(
        `Dockerfile:${c.line}: ${c.keyword} source ${JSON.stringify(c.source)} is not a valid pattern (${glob.error})`,
      );
      continue;
    }
    // A wildcard matches files and folders alike; a matched folder brings its content.
    for (const e of all) {
      const parts = e.rel.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        if (matchGlob(glob, prefix)) {
          roots.add(prefix);
          break;
        }
      }
    }
  }
  if (wholeContext.length) return { entries: all, wholeContext, copiesEverything: true };
  const wanted = new Set<string>();
  const dirs = new Set<string>();
  for (const root of roots) {
    const { resolved, links } = await resolveInContext(opts.contextDir, root, bfs);
    for (const l of links) wanted.add(l);
    dirs.add(root).add(resolved);
  }
  // An entry counts when it, or a folder above it, is a source (checked prefix by prefix).
  for (const e of all) {
    if (dirs.has('.')) {
      wanted.add(e.rel);
      continue;
    }
    let at = e.rel.length;
    for (;;) {
      if (dirs.has(e.rel.slice(0, at))) {
        wanted.add(e.rel);
        break;
      }
      at = e.rel.lastIndexOf('/', at - 1);
      if (at <= 0) break;
    }
  }
  const entries = all.filter((e) => wanted.has(e.rel));
  return { entries, wholeContext: [], copiesEverything: entries.length === all.length };
}
