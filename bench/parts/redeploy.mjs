// No-op redeploy of a 100-service stack (every service built from its own folder) next to
// `pctl validate` of the same file; then no-op and forced `pctl build`s of its images.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ms, pctl, root, run, time, timePaired, uniqueName } from '../lib.mjs';

export const title = 'no-op redeploy and builds';

export const notes = [
  `**no-op redeploy**: the second \`pctl deploy\` of a 100-service stack where every service
  is built from its own folder: pctl loads the file, walks every build context and stats
  the files the Dockerfiles copy (their digests come from the hash cache
  \`.pctl/<stack>.hashes.json\`: no file content is read), computes fingerprints, finds all
  unchanged and touches nothing (the provider writes files, so the figure is pctl's own
  cost, not a platform's). Its ratio to \`pctl validate\` on the same file, measured in the
  same run, is the figure to watch.`,
];

export async function measure(tmp) {
  const rows = [];
  const stack = uniqueName('bench-noop');
  const stackDir = path.join(tmp, 'stack');
  mkdirSync(stackDir);
  writeFileSync(
    path.join(stackDir, 'file-provider.mjs'),
    readFileSync(path.join(root, 'examples/custom-provider/file-provider.mjs')),
  );
  let yaml = `name: ${stack}\nproviders:\n  file: ./file-provider.mjs\nservices:\n`;
  for (let i = 0; i < 100; i++) {
    const svc = path.join(stackDir, `svc${i}`);
    mkdirSync(path.join(svc, 'src'), { recursive: true });
    writeFileSync(path.join(svc, 'Dockerfile'), `FROM busybox\nCOPY src /app\n`);
    for (let f = 0; f < 20; f++) writeFileSync(path.join(svc, 'src', `f${f}.js`), `// ${i}/${f}\n`.repeat(200));
    yaml += `  svc${i}:\n    image: ./svc${i}\n    env: { INDEX: "${i}" }\n    provider: { name: file, options: { dir: out } }\n`;
  }
  writeFileSync(path.join(stackDir, 'pctl.yaml'), yaml);
  try {
    // The first deploy builds the 100 images on the Docker engine (not measured).
    const first = spawnSync(process.execPath, [pctl, 'deploy'], { cwd: stackDir, encoding: 'utf8' });
    const noBuild = first.status !== 0;
    if (noBuild) {
      // Without an engine the builds fail: measure plan (hash + fingerprint + compare) instead.
      rows.push([
        'no-op redeploy, 100 services',
        `not measured: first deploy failed (${first.stderr.trim().split('\n').pop()})`,
        '',
      ]);
    }
    // One warm-up run: files written just before the first deploy are racy for the hash cache.
    run(process.execPath, [pctl, noBuild ? 'plan' : 'deploy'], { cwd: stackDir });
    // In turns with validate, so both see the same machine.
    const [noop, validate] = timePaired(
      () => run(process.execPath, [pctl, noBuild ? 'plan' : 'deploy'], { cwd: stackDir }),
      () => run(process.execPath, [pctl, 'validate'], { cwd: stackDir }),
      9,
    );
    rows.push([
      `no-op ${noBuild ? 'plan' : 'redeploy'}, 100 services (20 files each)`,
      ms(noop),
      `median of 9, in turns with validate; ${(noop / validate).toFixed(2)}× \`pctl validate\` (target 1.3×)`,
    ]);
    rows.push(['`pctl validate` of the same file', ms(validate), 'median of 9']);

    // Image builds: a no-op `pctl build` of 20 images, and 8 forced builds parallel vs sequential.
    if (!noBuild) {
      const some = Array.from({ length: 20 }, (_, i) => `svc${i}`);
      run(process.execPath, [pctl, 'build', ...some], { cwd: stackDir });
      const noopBuild = time(() => run(process.execPath, [pctl, 'build', ...some], { cwd: stackDir }), 3);
      rows.push(['no-op `pctl build` of 20 images', ms(noopBuild), 'median of 3']);
      const eight = some.slice(0, 8);
      const par = time(() => run(process.execPath, [pctl, 'build', '-b', ...eight], { cwd: stackDir }), 1);
      const seq = time(
        () => run(process.execPath, [pctl, 'build', '-b', '--build-sequential', ...eight], { cwd: stackDir }),
        1,
      );
      rows.push([
        `8 forced builds, parallel (${os.availableParallelism()} at once)`,
        ms(par),
        `${(seq / par).toFixed(2)}× faster than sequential`,
      ]);
      rows.push(['8 forced builds, `--build-sequential`', ms(seq), '']);
    }
  } finally {
    // The 100 images the first deploy built.
    const imgs = spawnSync('docker', ['images', '-q', '--filter', `label=pctl-stack=${stack}`], { encoding: 'utf8' });
    const ids = [...new Set((imgs.stdout ?? '').split('\n').filter(Boolean))];
    if (ids.length) spawnSync('docker', ['rmi', '-f', ...ids]);
  }
  return rows;
}
