// A package name as `import` resolves it from a folder (Node's ESM resolution): the nearest
// node_modules/<name> up the folders, its package.json `exports` read with the conditions
// `node`, `import`, `default` (a subpath such as `pkg/sub` through its map), else `main`,
// else index.js. An `exports` that offers only `import` works here, where require.resolve
// (CommonJS conditions) refuses it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const CONDITIONS = ['node', 'import', 'default'];

// The target of an `exports` value for these conditions, or undefined.
function pickTarget(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    for (const x of v) {
      const t = pickTarget(x);
      if (t) return t;
    }
    return undefined;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v))
      if (CONDITIONS.includes(k)) {
        const t = pickTarget(x);
        if (t) return t;
      }
  }
  return undefined;
}

// `exports` at `subpath` (`.` or `./sub`), with `*` patterns.
function exportsTarget(exp: unknown, subpath: string): string | undefined {
  const isMap =
    exp && typeof exp === 'object' && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith('.'));
  if (!isMap) return subpath === '.' ? pickTarget(exp) : undefined;
  const map = exp as Record<string, unknown>;
  if (subpath in map) return pickTarget(map[subpath]);
  for (const [k, v] of Object.entries(map)) {
    const star = k.indexOf('*');
    if (star < 0) continue;
    const [pre, post] = [k.slice(0, star), k.slice(star + 1)];
    if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= k.length - 1) {
      const t = pickTarget(v);
      return t?.replaceAll('*', subpath.slice(pre.length, subpath.length - post.length));
    }
  }
  return undefined;
}

const isFile = (f: string) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

/** The file `import(spec)` would load from a module in `fromDir`; undefined when the package is not there. */
export function resolvePackageImport(spec: string, fromDir: string): string | undefined {
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const rest = parts.slice(spec.startsWith('@') ? 2 : 1).join('/');
  for (let dir = path.resolve(fromDir); ; dir = path.dirname(dir)) {
    const root = path.join(dir, 'node_modules', name);
    const pj = path.join(root, 'package.json');
    if (existsSync(pj)) {
      let pkg: { exports?: unknown; main?: unknown };
      try {
        pkg = JSON.parse(readFileSync(pj, 'utf8')) as typeof pkg;
      } catch {
        return undefined;
      }
      if (pkg.exports !== undefined) {
        const t = exportsTarget(pkg.exports, rest ? `./${rest}` : '.');
        const file = t && path.resolve(root, t);
        // A target must stay inside the package.
        return file && file.startsWith(root + path.sep) && isFile(file) ? file : undefined;
      }
      const base = path.resolve(root, rest || (typeof pkg.main === 'string' ? pkg.main : 'index.js'));
      for (const f of [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`, path.join(base, 'index.js')])
        if (f.startsWith(root) && isFile(f)) return f;
      return undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A package name resolved from `fromDir` as `import` resolves it, else as `require` does; throws as require does when neither finds it. */
export function resolvePackage(spec: string, fromDir: string): string {
  return resolvePackageImport(spec, fromDir) ?? createRequire(path.join(fromDir, 'noop.js')).resolve(spec);
}
