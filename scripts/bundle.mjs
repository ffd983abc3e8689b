// Bundles the compiled CLI (packages/cli/dist, from `tsc -b`) into packages/cli/bundle, which
// bin/pctl.js runs. Node spends most of pctl's start-up resolving and reading modules one
// by one (about 300 for `pctl --version`, 380 for a destroy); the bundle makes them a few
// files. What is inlined: pctl's own packages and the three libraries every command loads
// (zod, yaml, commander). What is not: every other package (dockerode, execa, the cloud
// SDKs, the Kubernetes client), which stay lazily imported from node_modules as before, and
// @pctl/provider-kit, which custom providers import themselves: one copy of it is shared.
// Lazy boundaries stay: each provider and core are entry points of their own, so a command
// loads only the chunks it reaches (`bundle/provider-docker.js`, `bundle/core.js`, ...).
import { build } from 'esbuild';
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'packages/cli/bundle');
const INLINED = new Set(['zod', 'yaml', 'commander']);

// Built beside, then swapped in: a pctl started meanwhile runs the old bundle or the new,
// never half of one.
const fresh = `${out}.${process.pid}.tmp`;
const old = `${out}.${process.pid}.old`;
rmSync(fresh, { recursive: true, force: true });
await build({
  entryPoints: {
    main: 'packages/cli/dist/main.js',
    // Registered by URL (module.register) beside the chunk that registers it.
    kitResolve: 'packages/cli/dist/kitResolve.js',
    core: 'packages/core/dist/index.js',
    'provider-docker': 'providers/docker/dist/index.js',
    'provider-kind': 'providers/kind/dist/index.js',
    'provider-gcp': 'providers/gcp/dist/index.js',
    'provider-aws': 'providers/aws/dist/index.js',
  },
  absWorkingDir: root,
  outdir: fresh,
  entryNames: '[name]',
  // Chunks beside the entries: import.meta.url-relative paths (kitResolve.js, ../package.json)
  // resolve from every output file alike.
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Inlined CommonJS (yaml's Node build, commander's) requires Node's built-ins through
  // `require`, which an ES module does not have.
  banner: { js: "import { createRequire as __pctlRequire } from 'node:module'; const require = __pctlRequire(import.meta.url);" },
  plugins: [
    {
      name: 'pctl-externals',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => {
          if (a.path.startsWith('node:')) return { external: true };
          const parts = a.path.split('/');
          const pkg = a.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
          if (INLINED.has(pkg) || (pkg.startsWith('@pctl/') && pkg !== '@pctl/provider-kit')) return undefined;
          return { external: true };
        });
        // zod's namespace export carries every locale (360 kB of the 750 kB zod adds);
        // pctl's messages are its own and zod uses English, which its schemas import
        // directly. The `z.locales` namespace keeps English only.
        b.onResolve({ filter: /\/locales\/index\.js$/ }, (a) =>
          a.importer.includes(`${path.sep}zod${path.sep}`) ? { path: path.join(path.dirname(a.importer), 'locales-en.js'), namespace: 'zod-locales' } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (a) => ({
          contents: "export { default as en } from '../locales/en.js';",
          resolveDir: path.dirname(a.path),
        }));
      },
    },
  ],
});
if (existsSync(out)) renameSync(out, old);
renameSync(fresh, out);
rmSync(old, { recursive: true, force: true });
