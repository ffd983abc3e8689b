// Bundles the compiled CLI (packages/cli/dist, from `tsc -b`) into packages/cli/bundle, which
// bin/pctl.js runs. Node spends most of pctl's start-up resolving and reading modules one
// by one (about 300 for `pctl --version`, 380 for a destroy); the bundle makes them a few
// files. What is inlined: pctl's own packages and the three libraries every command loads
// (zod, yaml, commander). What is not: every other package (dockerode, execa, the cloud
// SDKs, the Kubernetes client), which stay lazily imported from node_modules as before, and
// @pctl/provider-kit, which custom providers import themselves: one copy of it is shared.
// dockerode is inlined too, in a chunk of its own (`bundle/dockerode.js`, loaded when pctl
// first speaks to an engine; see dockerodeParts below).
// Lazy boundaries stay: each provider and core are entry points of their own, so a command
// loads only the chunks it reaches (`bundle/provider-docker.js`, `bundle/core.js`, ...).
import { build } from 'esbuild';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'packages/cli/bundle');
// dockerode's main file, as core (its one importer) resolves it.
const DOCKERODE = createRequire(path.join(root, 'packages/core/package.json')).resolve('dockerode');
const INLINED = new Set(['zod', 'yaml', 'commander']);
// The S3 client of the s3 state backend, as core resolves it: one chunk (`bundle/aws-s3.js`)
// instead of some 300 modules read one by one at every run whose state is on S3.
// Its ES build, so the chunk has the client's named exports.
const CLIENT_S3 = path.join(
  path.dirname(createRequire(path.join(root, 'packages/core/package.json')).resolve('@aws-sdk/client-s3')),
  '../dist-es/index.js',
);

// Built beside, then swapped in: a pctl started meanwhile runs the old bundle or the new,
// never half of one.
const fresh = `${out}.${process.pid}.tmp`;
const old = `${out}.${process.pid}.old`;
rmSync(fresh, { recursive: true, force: true });
await build({
  entryPoints: {
    main: 'packages/cli/dist/main.js',
    // Registered by URL (module.register) beside the chunk that registers it.
    kitResolve: 'packages/core/dist/providers/kitResolve.js',
    core: 'packages/core/dist/index.js',
    'provider-docker': 'providers/docker/dist/index.js',
    'provider-kind': 'providers/kind/dist/index.js',
    'provider-gcp': 'providers/gcp/dist/index.js',
    'provider-aws': 'providers/aws/dist/index.js',
    // Named so that the chunk is found by name (tests check which commands load it).
    dockerode: DOCKERODE,
    'aws-s3': 'packages/core/dist/state/backend/s3Sdk.js',
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
  // connect.ts leaves to the bundle what the bundle does itself (the lazy parts, no debug log).
  define: { __PCTL_BUNDLED__: 'true' },
  // Inlined CommonJS (yaml's Node build, commander's) requires Node's built-ins through
  // `require`, which an ES module does not have.
  banner: {
    js: "import { createRequire as __pctlRequire } from 'node:module'; const require = __pctlRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'pctl-externals',
      setup(b) {
        dockerodeParts(b);
        b.onResolve({ filter: /^[^./]/ }, (a) => {
          if (a.path.startsWith('node:')) return { external: true };
          // What an inlined package requires comes with it (dockerode's dependencies; zod,
          // yaml and commander require only Node's built-ins, which stay external).
          if (/[\\/]node_modules[\\/]/.test(a.importer)) return undefined;
          if (a.path === 'dockerode') return { path: DOCKERODE };
          if (a.path === '@aws-sdk/client-s3') return { path: CLIENT_S3 };
          const parts = a.path.split('/');
          const pkg = a.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
          if (INLINED.has(pkg) || (pkg.startsWith('@pctl/') && pkg !== '@pctl/provider-kit')) return undefined;
          return { external: true };
        });
        // zod's namespace export carries every locale (360 kB of the 750 kB zod adds);
        // pctl's messages are its own and zod uses English, which its schemas import
        // directly. The `z.locales` namespace keeps English only.
        b.onResolve({ filter: /\/locales\/index\.js$/ }, (a) =>
          a.importer.includes(`${path.sep}zod${path.sep}`)
            ? { path: path.join(path.dirname(a.importer), 'locales-en.js'), namespace: 'zod-locales' }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (a) => ({
          contents: "export { default as en } from '../locales/en.js';",
          resolveDir: path.dirname(a.path),
        }));
      },
    },
  ],
});
// dockerode as pctl loads it: about 60 modules read one by one, 70 ms of every command that
// speaks to an engine, became one chunk that loads in 30 ms. Parts pctl does not use until
// something asks for them stay out of the chunk and load from node_modules on first call:
// its BuildKit session (gRPC) and progress decoding (protobufjs), docker-modem's ssh
// transport (ssh2; pctl reaches remote engines through OpenSSH's socket forward) and tar-fs
// (dockerode's build from a folder; pctl sends its own tar stream). docker-modem's `debug`
// log (request headers, registry credentials among them) is a no-op.
function dockerodeParts(b) {
  // Specifier as dockerode or docker-modem writes it -> the module to load, resolved from
  // dockerode's main file at run time (the bundle lives elsewhere than node_modules).
  const lazy = new Map([
    ['./session', { from: 'dockerode', spec: './session.js', kind: 'function' }],
    ['./buildkit', { from: 'dockerode', spec: './buildkit.js', kind: 'object' }],
    ['tar-fs', { from: 'dockerode', spec: 'tar-fs', kind: 'object' }],
    ['./ssh', { from: 'docker-modem', spec: './ssh.js', kind: 'function' }],
  ]);
  b.onResolve({ filter: /^(\.\/session|\.\/buildkit|tar-fs|\.\/ssh|debug)$/ }, (a) => {
    const pkg = a.importer.match(/node_modules[\\/](dockerode|docker-modem)[\\/]lib[\\/]/)?.[1];
    if (!pkg) return undefined;
    if (a.path === 'debug') return pkg === 'docker-modem' ? { path: 'debug', namespace: 'pctl-nodebug' } : undefined;
    const part = lazy.get(a.path);
    return part?.from === pkg ? { path: a.path, namespace: 'pctl-lazy', pluginData: part } : undefined;
  });
  b.onLoad({ filter: /.*/, namespace: 'pctl-nodebug' }, () => ({
    contents:
      'const off = () => {}; off.enabled = false; off.extend = () => off;\nmodule.exports = Object.assign(() => off, { enable() {}, disable() { return ""; }, enabled: () => false });',
    loader: 'js',
  }));
  b.onLoad({ filter: /.*/, namespace: 'pctl-lazy' }, (a) => {
    const { from, spec, kind } = a.pluginData;
    const base =
      from === 'dockerode'
        ? "require.resolve('dockerode')"
        : "__pctlRequire(require.resolve('dockerode')).resolve('docker-modem')";
    const load = `let real; const load = () => (real ??= __pctlRequire(${base})(${JSON.stringify(spec)}));`;
    const exp =
      kind === 'function'
        ? 'module.exports = function (...args) { return load().apply(this, args); };'
        : 'module.exports = new Proxy({}, { get: (_, k) => load()[k], has: (_, k) => k in load() });';
    return { contents: `${load}\n${exp}`, loader: 'js' };
  });
}

if (existsSync(out)) renameSync(out, old);
renameSync(fresh, out);
rmSync(old, { recursive: true, force: true });
