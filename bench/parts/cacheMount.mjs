// A dependency step with `RUN --mount=type=cache` rebuilt after a changed lockfile: the
// cache mount keeps what the first build downloaded, so the rebuild fetches only the new
// dependency; the same Dockerfile without the mount fetches every one again.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { median, ms, pctl, run, timeAsync, uniqueName } from '../lib.mjs';

const DEPS = 20;
export const title = 'cache-mount build across a changed lockfile';

export const notes = [
  `**cache mount across a changed lockfile**: a dependency step reads \`lock.txt\` (${DEPS}
  dependencies) and "downloads" each one missing from its cache folder (16 MB read from
  /dev/urandom and checksummed, standing in for a network fetch: no network here), then
  records every dependency's file in the image. \`pctl build\` builds it once, then the lockfile gains
  one dependency and \`pctl build\` runs again (timed). With \`RUN --mount=type=cache\` (an
  id unique to the round) the rebuild fetches only the new one; the same Dockerfile with a
  plain folder instead of the mount fetches all ${DEPS + 1} again. Median of the rounds;
  fetched counts from the step's own output (\`pctl build -v\`).`,
];

function writeSide(dir, stack, mounted, deps) {
  mkdirSync(dir, { recursive: true });
  const id = `${stack}-deps`;
  const mount = mounted ? `--mount=type=cache,id=${id},target=/cache ` : '';
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    `FROM busybox:latest\nCOPY lock.txt /app/lock.txt\nRUN ${mount}mkdir -p /cache && n=0 && while read dep; do if [ ! -f "/cache/$dep" ]; then dd if=/dev/urandom bs=1M count=16 2>/dev/null | md5sum > "/cache/$dep"; n=$((n+1)); fi; cat "/cache/$dep" >> /app/deps; done < /app/lock.txt && echo "fetched $n of $(wc -l < /app/lock.txt)"${mounted ? '' : ' && rm -rf /cache'}\nCMD ["sleep", "86400"]\n`,
  );
  writeFileSync(path.join(dir, 'lock.txt'), deps.map((d) => `${d}\n`).join(''));
  writeFileSync(
    path.join(dir, 'pctl.yaml'),
    `name: ${stack}\nservices:\n  app:\n    image: ./Dockerfile\n    provider: { name: docker }\n`,
  );
}

const removeImages = (ref) => {
  const ids = spawnSync('docker', ['images', '-q', '--filter', `reference=${ref}`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  if (ids.length) spawnSync('docker', ['rmi', '-f', ...new Set(ids)]);
};

export async function measure(tmp) {
  const rounds = Number(process.env.PCTL_BENCH_ROUNDS) || 3;
  const per = { mount: [], plain: [] };
  const fetched = { mount: [], plain: [] };
  for (let r = 1; r <= rounds; r++) {
    for (const kind of r % 2 ? ['mount', 'plain'] : ['plain', 'mount']) {
      const stack = uniqueName(`bench-cm-${kind}`);
      const dir = path.join(tmp, stack);
      const nonce = randomBytes(4).toString('hex');
      const deps = Array.from({ length: DEPS }, (_, i) => `dep${i}-${nonce}@1.0.${i}`);
      try {
        writeSide(dir, stack, kind === 'mount', deps);
        run(process.execPath, [pctl, 'build'], { cwd: dir });
        writeFileSync(path.join(dir, 'lock.txt'), [...deps, `new-${nonce}@2.0.0`].map((d) => `${d}\n`).join(''));
        let out = '';
        const t = await timeAsync(async () => {
          out = run(process.execPath, [pctl, 'build', '-v'], { cwd: dir }).stderr;
        });
        const n = /fetched (\d+) of (\d+)/.exec(out);
        if (!n) throw new Error(`cache mount bench: no "fetched" line in the rebuild's output:\n${out.slice(-2000)}`);
        per[kind].push(t);
        fetched[kind].push(`${n[1]} of ${n[2]}`);
        process.stderr.write(`[bench] cache mount round ${r} ${kind}: ${ms(t)}, fetched ${n[1]} of ${n[2]}\n`);
      } finally {
        removeImages(`pctl-${stack}-app`);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const ratios = per.mount.map((t, i) => t / per.plain[i]);
  const of = `median of ${rounds}`;
  return [
    [
      'rebuild after a lockfile change, `RUN --mount=type=cache`',
      ms(median(per.mount)),
      `${of}; fetched ${fetched.mount.join(', ')}; ${median(ratios).toFixed(2)}× the same step without the mount`,
    ],
    ['the same without the cache mount', ms(median(per.plain)), `${of}; fetched ${fetched.plain.join(', ')}`],
  ];
}
