// The import graph of the repository's TypeScript files: which file imports which (used by cycles.mjs).
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
      const exportsField =
        typeof pkg.exports === 'object' && pkg.exports !== null ? pkg.exports : { '.': pkg.main ?? './index.js' };
      for (const [sub, target] of Object.entries(exportsField)) {
        const file = typeof target === 'string' ? target : (target?.default ?? target?.import);
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

function toPosix(p) {
  return p.split(sep).join('/');
}
