// `include: [path...]`: services from other stack files of the same repository. Each path is
// relative to the file that lists it; a file may include others (a cycle is refused, naming
// it); a file reached twice is read once; nothing outside the repository (the folder of the
// top stack file and its parents up to one holding .git) is read, also through symlinks.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { PctlError } from '../errors.js';
import { hasReference } from './references.js';
import { MAX_STACK_FILE_BYTES, readRegularFile, UnreadableFile } from './read.js';
import { parseStackYaml } from './yaml.js';

type Path = readonly (string | number)[];

/** Where a value is written: a stack file and its line of a path. */
export interface SourceFile {
  /** Absolute path. */
  file: string;
  lineOf: (p: Path) => number | undefined;
}

/** A problem found while composing, in the file where it is written. */
export interface SourcedIssue {
  file: string;
  path: string;
  line?: number;
  message: string;
}

/** A service another stack file defines. */
export interface IncludedService {
  value: unknown;
  source: SourceFile;
}

/** Most stack files one stack may include, in all. */
export const MAX_INCLUDED_FILES = 256;
/** Top-level fields an included file may hold besides services and include (kept for running it alone; not used). */
const IGNORED_FIELDS = new Set(['name', 'description', 'version']);

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The repository a stack file belongs to: the nearest folder up from it holding .git, else its own folder. */
export function repositoryRoot(configDir: string): string {
  const start = realOrSelf(configDir);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

const realOrSelf = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};
const inside = (root: string, p: string) =>
  p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * The services every file in `list` includes (and the files they include), by name, with the
 * file each one is written in. `list` is the include list as written in `from` at `listPath`.
 */
export async function gatherIncludes(o: {
  list: unknown;
  from: SourceFile;
  listPath: (string | number)[];
  topFile: string;
  root: string;
  shown: (file: string) => string;
}): Promise<{ services: Map<string, IncludedService>; issues: SourcedIssue[] }> {
  const services = new Map<string, IncludedService>();
  const issues: SourcedIssue[] = [];
  const done = new Set<string>([realOrSelf(o.topFile)]);
  const chain: string[] = [realOrSelf(o.topFile)];
  let count = 0;

  const walk = async (list: unknown, from: SourceFile, listPath: (string | number)[]): Promise<void> => {
    const at = (p: (string | number)[], message: string) =>
      issues.push({ file: from.file, path: p.join('.'), line: from.lineOf(p), message });
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) {
      at(listPath, 'include must be a list of stack file paths, like [./api/pctl.yaml]');
      return;
    }
    for (const [i, entry] of list.entries()) {
      const p = [...listPath, i];
      if (typeof entry !== 'string' || entry === '' || entry.includes('\0')) {
        at(p, 'an include entry is a path to a stack file, like ./api/pctl.yaml');
        continue;
      }
      if (hasReference(entry)) {
        at(p, `${JSON.stringify(entry)}: include paths are read before references resolve; write the path itself`);
        continue;
      }
      const abs = path.resolve(path.dirname(from.file), entry);
      const real = realOrSelf(abs);
      if (!inside(o.root, path.resolve(abs)) || !inside(o.root, real)) {
        at(p, `${JSON.stringify(entry)} is outside the repository (${o.root}): include only stack files inside it`);
        continue;
      }
      const cycleAt = chain.indexOf(real);
      if (cycleAt >= 0) {
        const names = [...chain.slice(cycleAt), real].map(o.shown).join(' -> ');
        throw new PctlError({
          code: 'IncludeCycle',
          message: `${o.shown(from.file)}:${from.lineOf(p) ?? 1} ${p.join('.')}: include cycle: ${names}`,
          fault: 'user',
          exitCode: 2,
          hint: 'a stack file may not include itself, directly or through others: remove one of these includes',
        });
      }
      if (done.has(real)) continue;
      if (++count > MAX_INCLUDED_FILES) {
        at(p, `more than ${MAX_INCLUDED_FILES} stack files are included in all; a stack needs far fewer`);
        return;
      }
      done.add(real);
      const file = await readIncluded(abs, entry);
      if (typeof file === 'string') {
        at(p, file);
        continue;
      }
      const parsed = parseStackYaml(file.text);
      const source: SourceFile = { file: abs, lineOf: parsed.lineOf };
      if (parsed.issues.length) {
        for (const issue of parsed.issues) issues.push({ ...issue, file: abs });
        continue;
      }
      if (!isMap(parsed.value)) {
        issues.push({ file: abs, path: '', line: 1, message: 'an included stack file must be a map with `services`' });
        continue;
      }
      const doc = parsed.value;
      for (const k of Object.keys(doc)) {
        if (k === 'services' || k === 'include' || IGNORED_FIELDS.has(k)) continue;
        issues.push({
          file: abs,
          path: k,
          line: parsed.lineOf([k]),
          message: `\`${k}\` is not taken from an included stack file (only services and include are): move it to ${o.shown(o.topFile)}`,
        });
      }
      if (doc.services !== undefined && !isMap(doc.services)) {
        issues.push({
          file: abs,
          path: 'services',
          line: parsed.lineOf(['services']),
          message: 'services must be a map of service name to service',
        });
      } else {
        for (const [name, value] of Object.entries(doc.services ?? {})) {
          const first = services.get(name);
          if (first) duplicate(issues, name, { value, source }, first, o.shown);
          else services.set(name, { value, source });
        }
      }
      chain.push(real);
      try {
        await walk(doc.include, source, ['include']);
      } finally {
        chain.pop();
      }
    }
  };
  await walk(o.list, o.from, o.listPath);
  return { services, issues };
}

/** The issue for a service name two stack files define, at the second, naming both. */
export function duplicate(
  issues: SourcedIssue[],
  name: string,
  second: IncludedService,
  first: IncludedService,
  shown: (file: string) => string,
): void {
  const where = (s: IncludedService) => `${shown(s.source.file)}:${s.source.lineOf(['services', name]) ?? 1}`;
  issues.push({
    file: second.source.file,
    path: `services.${name}`,
    line: second.source.lineOf(['services', name]),
    message: `service "${name}" is defined twice: in ${where(first)} and in ${where(second)}; rename one, or remove one of them`,
  });
}

// The text of an included stack file, or why it cannot be read.
async function readIncluded(abs: string, entry: string): Promise<{ text: string } | string> {
  try {
    return { text: await readRegularFile(abs, MAX_STACK_FILE_BYTES) };
  } catch (e) {
    if (!(e instanceof UnreadableFile)) throw e;
    return `${JSON.stringify(entry)}: the included stack file ${abs} ${e.code === 'ENOENT' ? 'does not exist' : e.message}`;
  }
}
