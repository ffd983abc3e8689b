// Build-input hashing throughput next to `sha256sum` over the same bytes (2,000 files, 200 MB).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median, ms, root, run, time } from '../lib.mjs';

export const title = 'hashing';

export const notes = [
  `**hashing**: the build-input hash reads every byte of the context (no hash cache) and is
  compared with \`sha256sum\` over the same files.`,
];

export async function measure(tmp) {
  const core = await import(path.join(root, 'packages/core/dist/index.js'));
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
  const mbs = (t) => `${(bytes / 1e6 / (t / 1000)).toFixed(0)} MB/s`;
  return [
    ['`sha256sum` over the context (200 MB, 2,000 files)', ms(sha), mbs(sha)],
    ['pctl build-input hash, same context', ms(ours), `${mbs(ours)} (${(ours / sha).toFixed(2)}× sha256sum time)`],
  ];
}
