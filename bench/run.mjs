// pctl benchmarks. Figures go to docs/benchmarks.md, never into timed tests.
//  1. no-op redeploy of a 100-service stack (every service built from its own folder)
//  2. `pctl --version` cold start next to `node -e 0`
//  3. build-input hashing throughput next to `sha256sum` over the same bytes
//  4. `pctl plan` of a 50-service aws stack, and how many AWS SDK modules it loads (none)
//  5. `plan` of a 50-service kind stack next to a 50-service docker stack (target: within
//     1.5×; the Kubernetes client must not load), and `render` of the kind stack
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pctl = path.join(root, 'packages/cli/bin/pctl.js');
const core = await import(path.join(root, 'packages/core/dist/index.js'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => `${n.toFixed(0)} ms`;
function time(fn, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pctl-bench-'));
const results = [];
try {
  // 1. No-op redeploy of 100 services (a provider that writes files, so the figure is pctl's own cost).
  const stackDir = path.join(tmp, 'stack');
  mkdirSync(stackDir);
  writeFileSync(path.join(stackDir, 'file-provider.mjs'), readFileSync(path.join(root, 'examples/custom-provider/file-provider.mjs')));
  let yaml = 'name: bench\nproviders:\n  file: ./file-provider.mjs\nservices:\n';
  for (let i = 0; i < 100; i++) {
    const svc = path.join(stackDir, `svc${i}`);
    mkdirSync(path.join(svc, 'src'), { recursive: true });
    writeFileSync(path.join(svc, 'Dockerfile'), `FROM busybox\nCOPY src /app\n`);
    for (let f = 0; f < 20; f++) writeFileSync(path.join(svc, 'src', `f${f}.js`), `// ${i}/${f}\n`.repeat(200));
    yaml += `  svc${i}:\n    image: ./svc${i}\n    env: { INDEX: "${i}" }\n    provider: { name: file, options: { dir: out } }\n`;
  }
  writeFileSync(path.join(stackDir, 'pctl.yaml'), yaml);
  // The first deploy builds the 100 images on the Docker engine (not measured).
  const first = spawnSync(process.execPath, [pctl, 'deploy'], { cwd: stackDir, encoding: 'utf8' });
  const noBuild = first.status !== 0;
  if (noBuild) {
    // Without an engine the builds fail: measure plan (hash + fingerprint + compare) instead.
    results.push(['no-op redeploy, 100 services', `not measured: first deploy failed (${first.stderr.trim().split('\n').pop()})`, '']);
  }
  // One warm-up run: files written just before the first deploy are racy for the hash cache.
  run(process.execPath, [pctl, noBuild ? 'plan' : 'deploy'], { cwd: stackDir });
  const noop = time(() => run(process.execPath, [pctl, noBuild ? 'plan' : 'deploy'], { cwd: stackDir }), 5);
  const validate = time(() => run(process.execPath, [pctl, 'validate'], { cwd: stackDir }), 5);
  results.push([`no-op ${noBuild ? 'plan' : 'redeploy'}, 100 services (20 files each)`, ms(noop), `median of 5; ${(noop / validate).toFixed(2)}× \`pctl validate\` (target 1.3×)`]);
  results.push(['`pctl validate` of the same file', ms(validate), 'median of 5']);

  // Image builds: a no-op `pctl build` of 20 images, and 8 forced builds parallel vs sequential.
  if (!noBuild) {
    const some = Array.from({ length: 20 }, (_, i) => `svc${i}`);
    run(process.execPath, [pctl, 'build', ...some], { cwd: stackDir });
    const noopBuild = time(() => run(process.execPath, [pctl, 'build', ...some], { cwd: stackDir }), 3);
    results.push(['no-op `pctl build` of 20 images', ms(noopBuild), 'median of 3']);
    const eight = some.slice(0, 8);
    const par = time(() => run(process.execPath, [pctl, 'build', '-b', ...eight], { cwd: stackDir }), 1);
    const seq = time(() => run(process.execPath, [pctl, 'build', '-b', '--build-sequential', ...eight], { cwd: stackDir }), 1);
    results.push([`8 forced builds, parallel (${os.availableParallelism()} at once)`, ms(par), `${(seq / par).toFixed(2)}× faster than sequential`]);
    results.push(['8 forced builds, `--build-sequential`', ms(seq), '']);
  }

  // 2. Cold start.
  const node0 = time(() => run(process.execPath, ['-e', '0']), 10);
  const version = time(() => run(process.execPath, [pctl, '--version']), 10);
  results.push(['`node -e 0`', ms(node0), 'median of 10']);
  results.push(['`pctl --version`', ms(version), `median of 10 (${(version / node0).toFixed(1)}× node)`]);

  // 3. Hashing throughput: 2,000 files, 200 MB.
  const ctx = path.join(tmp, 'ctx');
  mkdirSync(path.join(ctx, 'data'), { recursive: true });
  writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY . /app\n');
  const chunk = Buffer.alloc(100 * 1024);
  for (let i = 0; i < 2000; i++) {
    chunk.fill(i % 251);
    writeFileSync(path.join(ctx, 'data', `f${i}.bin`), chunk);
  }
  const bytes = 2000 * chunk.length;
  const spec = core.buildSpecFor({ image: './Dockerfile', provider: { name: 'x', options: {} } }, ctx);
  run('sync', []);
  const sha = time(() => run('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: ctx }), 3);
  const hashMs = [];
  for (let i = 0; i < 3; i++) {
    const t = process.hrtime.bigint();
    await core.hashBuildInputs(spec);
    hashMs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const ours = median(hashMs);
  const mbs = (t) => `${((bytes / 1e6) / (t / 1000)).toFixed(0)} MB/s`;
  results.push(['`sha256sum` over the context (200 MB, 2,000 files)', ms(sha), mbs(sha)]);
  results.push(['pctl build-input hash, same context', ms(ours), `${mbs(ours)} (${(ours / sha).toFixed(2)}× sha256sum time)`]);
  // 4. plan of an aws stack: no AWS SDK module may load (the SDK is for deploy, destroy, status).
  const awsDir = path.join(tmp, 'aws');
  mkdirSync(awsDir);
  let awsYaml = 'name: awsbench\nservices:\n';
  for (let i = 0; i < 50; i++) awsYaml += `  svc${i}:\n    image: busybox:latest\n    provider: { name: aws, options: { cluster: prod, namespace: bench, region: eu-west-1 } }\n`;
  writeFileSync(path.join(awsDir, 'pctl.yaml'), awsYaml);
  writeFileSync(path.join(awsDir, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.PCTL_TRACE, r.url + '\\n'); return r; }\n");
  writeFileSync(path.join(awsDir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  const trace = path.join(awsDir, 'trace.txt');
  writeFileSync(trace, '');
  run(process.execPath, [pctl, 'plan'], { cwd: awsDir, env: { ...process.env, PCTL_TRACE: trace, NODE_OPTIONS: `--import ${path.join(awsDir, 'register.mjs')}` } });
  const sdkModules = readFileSync(trace, 'utf8').split('\n').filter((u) => /@aws-sdk|@smithy|@aws-crypto/.test(u)).length;
  const awsPlan = time(() => run(process.execPath, [pctl, 'plan'], { cwd: awsDir }), 5);
  results.push(['`pctl plan`, 50 aws services', ms(awsPlan), `${sdkModules} AWS SDK modules loaded`]);

  // 5. Cold paths of Kubernetes stacks: plan and render speak to no cluster.
  const planOf = (provider) => {
    const d = path.join(tmp, `plan-${provider}`);
    mkdirSync(d);
    let y = `name: cold${provider}\nservices:\n`;
    for (let i = 0; i < 50; i++) y += `  s${i}:\n    image: nginx:1.27\n    ports: [${8000 + i}]\n    env: { INDEX: "${i}" }\n    provider: { name: ${provider} }\n`;
    writeFileSync(path.join(d, 'pctl.yaml'), y);
    return d;
  };
  const kindDir = planOf('kind');
  const dockerDir = planOf('docker');
  const kindPlan = time(() => run(process.execPath, [pctl, 'plan'], { cwd: kindDir }), 5);
  const dockerPlan = time(() => run(process.execPath, [pctl, 'plan'], { cwd: dockerDir }), 5);
  const kindRender = time(() => run(process.execPath, [pctl, 'render'], { cwd: kindDir }), 5);
  results.push(['`pctl plan`, 50 docker services', ms(dockerPlan), 'median of 5']);
  results.push(['`pctl plan`, 50 kind services', ms(kindPlan), `median of 5 (${(kindPlan / dockerPlan).toFixed(2)}× docker; target ≤ 1.5×)`]);
  results.push(['`pctl render`, 50 kind services', ms(kindRender), 'median of 5']);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  // The 100 images the first deploy built.
  const imgs = spawnSync('docker', ['images', '-q', '--filter', 'label=pctl-stack=bench'], { encoding: 'utf8' });
  const ids = [...new Set((imgs.stdout ?? '').split('\n').filter(Boolean))];
  if (ids.length) spawnSync('docker', ['rmi', '-f', ...ids]);
}

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
const table = ['| measure | result | note |', '|---|---|---|', ...results.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const doc = `# Benchmarks

Written by \`npm run bench\` (\`bench/run.mjs\`); run it again after touching a measured path.
These machines are shared and noisy: read the figures as orders of magnitude.

Last run: ${new Date().toISOString()} on ${machine}.

${table}

- **no-op redeploy**: the second \`pctl deploy\` of a 100-service stack where every service
  is built from its own folder: pctl loads the file, walks every build context and stats
  the files the Dockerfiles copy (their digests come from the hash cache
  \`.pctl/<stack>.hashes.json\`: no file content is read), computes fingerprints, finds all
  unchanged and touches nothing (the provider writes files, so the figure is pctl's own
  cost, not a platform's). Its ratio to \`pctl validate\` on the same file, measured in the
  same run, is the figure to watch.
- **cold start**: \`pctl --version\` loads no provider and no cloud SDK.
- **hashing**: the build-input hash reads every byte of the context (no hash cache) and is
  compared with \`sha256sum\` over the same files.
- **plan and render of Kubernetes stacks**: neither speaks to a cluster, so neither loads
  \`@kubernetes/client-node\` (it loads in \`connect()\`, on deploy, destroy and status);
  a kind stack plans about as fast as a docker one.
`;
writeFileSync(path.join(root, 'docs/benchmarks.md'), doc);
process.stdout.write(doc);
