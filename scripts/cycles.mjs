// The import graph of the repository's TypeScript files and its cycles (used by check-cycles.mjs).
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const SKIP_DIRS = new Set(['node_modules', 'dist', 'bundle']);

// Every .ts file (not .d.ts) under the given folders of root, as root-relative paths with '/'.
export function listSources(root, folders) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(join(dir, entry.name));
      } else if (/\.(m|c)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push(toPosix(relative(root, join(dir, entry.name))));
      }
    }
  };
  for (const f of folders) if (existsSync(join(root, f))) walk(join(root, f));
  return out.sort();
}

// Workspace packages by name -> subpath ('.', './conformance') -> source file, from each package.json's exports.
export function workspacePackages(root, folders) {
  const packages = new Map();
  for (const folder of folders) {
    const base = join(root, folder);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      const manifest = join(base, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      if (!pkg.name) continue;
      const dir = join(base, entry.name);
      const subpaths = new Map();
      const exportsField = typeof pkg.exports === 'object' && pkg.exports !== null ? pkg.exports : { '.': pkg.main ?? './index.js' };
      for (const [sub, target] of Object.entries(exportsField)) {
        const file = typeof target === 'string' ? target : target?.default ?? target?.import;
        const source = typeof file === 'string' ? sourceOf(dir, file) : undefined;
        if (source) subpaths.set(sub, toPosix(relative(root, source)));
      }
      packages.set(pkg.name, subpaths);
    }
  }
  return packages;
}

// The .ts source behind a built path ('./dist/x/index.js' -> src/x/index.ts), or the .ts file itself.
function sourceOf(dir, file) {
  const candidates = [file.replace(/^\.\/dist\//, './src/'), file];
  for (const c of candidates) {
    const found = tsFile(resolve(dir, c));
    if (found) return found;
  }
  return undefined;
}

// The TypeScript file a '.js'-style specifier names, trying the forms NodeNext resolution allows.
function tsFile(path) {
  const stem = path.replace(/\.(m|c)?jsx?$/, '');
  const ext = path.match(/\.(m|c)?jsx?$/)?.[0] ?? '';
  const tsExt = ext.replace('js', 'ts');
  const tries = [path, stem + tsExt, stem + '.ts', stem + '.tsx', join(path, 'index.ts')];
  for (const t of tries) {
    if (/\.(m|c)?tsx?$/.test(t) && !t.endsWith('.d.ts') && existsSync(t) && statSync(t).isFile()) return t;
  }
  return undefined;
}

// The module specifiers one file imports: static imports and re-exports (type-only too), import(), require().
export function specifiersOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

// root-relative file -> sorted list of root-relative files it imports (inside the scanned tree only).
export function importGraph(root, folders, packageFolders = ['packages', 'providers', 'test']) {
  const files = listSources(root, folders);
  const known = new Set(files);
  const packages = workspacePackages(root, packageFolders);
  const graph = new Map();
  for (const file of files) {
    const targets = new Set();
    for (const spec of specifiersOf(readFileSync(join(root, file), 'utf8'))) {
      const target = resolveSpecifier(root, file, spec, packages);
      if (target && known.has(target) && target !== file) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

function resolveSpecifier(root, file, spec, packages) {
  if (spec.startsWith('.')) {
    const found = tsFile(resolve(root, dirname(file), spec));
    return found ? toPosix(relative(root, found)) : undefined;
  }
  const m = spec.match(/^(@[^/]+\/[^/]+|[^@/][^/]*)(\/.*)?$/);
  const subpaths = m && packages.get(m[1]);
  return subpaths?.get(m[2] ? '.' + m[2] : '.');
}

// Strongly connected components with more than one file (Tarjan, iterative so deep graphs do not overflow).
export function stronglyConnected(graph) {
  let index = 0;
  const indexOf = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  for (const start of graph.keys()) {
    if (indexOf.has(start)) continue;
    const work = [[start, 0]];
    indexOf.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const next = graph.get(node) ?? [];
      if (i < next.length) {
        frame[1]++;
        const to = next[i];
        if (!indexOf.has(to)) {
          indexOf.set(to, index);
          low.set(to, index++);
          stack.push(to);
          onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node), indexOf.get(to)));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === indexOf.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1) components.push(component.sort());
      }
    }
  }
  return components.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

// Every elementary cycle, each written from its smallest file: ['a.ts', 'b.ts'] means a.ts -> b.ts -> a.ts.
// A tangle with more cycles than `limit` (or too many paths to walk) is reported in part, with `truncated`.
export function findCycles(graph, limit = 200, budget = 1_000_000) {
  const cycles = [];
  let truncated = false;
  for (const component of stronglyConnected(graph)) {
    const members = new Set(component);
    let found = 0;
    // Johnson-style: cycles through `start` that use only members after it, so each cycle is found once.
    for (let s = 0; s < component.length && found < limit; s++) {
      const start = component[s];
      const allowed = new Set(component.slice(s));
      const path = [start];
      const onPath = new Set([start]);
      const work = [[start, 0]];
      while (work.length && found < limit) {
        if (--budget < 0) {
          truncated = true;
          break;
        }
        const frame = work[work.length - 1];
        const [node, i] = frame;
        const next = (graph.get(node) ?? []).filter((t) => members.has(t) && allowed.has(t));
        if (i >= next.length) {
          work.pop();
          onPath.delete(path.pop());
          continue;
        }
        frame[1]++;
        const to = next[i];
        if (to === start) {
          cycles.push([...path]);
          found++;
        } else if (!onPath.has(to)) {
          path.push(to);
          onPath.add(to);
          work.push([to, 0]);
        }
      }
    }
    if (found >= limit) truncated = true;
  }
  return { cycles: cycles.map(formatCycle).sort(), truncated };
}

// 'a.ts -> b.ts -> a.ts': one line per cycle, the form scripts/cycles-allowed.txt holds.
export function formatCycle(files) {
  return [...files, files[0]].join(' -> ');
}

// The allowlist's cycles, one per line; '#' starts a comment.
export function readAllowed(text) {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

// What the check reports: cycles not allowed (new) and allowed cycles that are gone (stale allowlist lines).
export function judge(cycles, allowed) {
  const present = new Set(cycles);
  const allowedSet = new Set(allowed);
  return {
    unexpected: cycles.filter((c) => !allowedSet.has(c)),
    stale: allowed.filter((c) => !present.has(c)),
  };
}

// The whole check: the lines to print and whether it failed (a cycle not allowed, an allowed one gone, a tangle too big).
export function checkCycles(root, allowedFile = join(root, 'scripts', 'cycles-allowed.txt')) {
  const graph = importGraph(root, ['packages', 'providers', 'test']);
  const { cycles, truncated } = findCycles(graph);
  const allowed = existsSync(allowedFile) ? readAllowed(readFileSync(allowedFile, 'utf8')) : [];
  const { unexpected, stale } = judge(cycles, allowed);
  const lines = [
    ...cycles.map((c) => `${unexpected.includes(c) ? 'cycle' : 'cycle (allowed)'}: ${c}`),
    ...stale.map((c) => `gone: ${c} (remove it from ${allowedFile})`),
  ];
  if (truncated) lines.push('some tangles have more cycles than were listed; untangle those first');
  const failed = unexpected.length > 0 || stale.length > 0 || truncated;
  lines.push(`${graph.size} files, ${cycles.length} import cycles (${cycles.length - unexpected.length} allowed), ${stale.length} allowed cycles gone: ${failed ? 'FAIL' : 'ok'}`);
  return { lines, failed };
}

function toPosix(p) {
  return p.split(sep).join('/');
}
