// A rebuild after a one-file change: `pctl build` of a one-service stack next to plain
// `docker build` of the same Dockerfile and context, both warm, each round changing one
// source file on both sides.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { median, ms, pctl, run, runAsync, timeAsync, uniqueName } from '../lib.mjs';

const FILES = 300;
export const title = 'rebuild after a one-file change';

export const notes = [
  `**rebuild after a one-file change**: one image (\`FROM busybox\`, a COPY of a ${FILES}-file
  source folder, a RUN step over it), built once on each side first (warm: the base image and
  every step cached); then each round rewrites one source file on both sides and times
  \`pctl build\` (BuildKit through the Engine API, labels in the config) and plain
  \`docker build -q\` (the docker CLI here has no buildx: the engine's classic builder) of
  the same Dockerfile and context. Sides alternate which goes first; the ratio is the
  median of the per-round ratios. pctl's figure includes its start-up (node, the stack
  file, the fingerprint of the context).`,
];

function writeSide(dir, stack) {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  const nonce = randomBytes(8).toString('hex');
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(dir, 'src', `f${i}.txt`), `${nonce} file ${i}\n`.repeat(20));
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM busybox:latest\nCOPY src/ /app/src/\nRUN cat /app/src/* | wc -c > /app/size\nCMD ["sleep", "86400"]\n',
  );
  writeFileSync(
    path.join(dir, 'pctl.yaml'),
    `name: ${stack}\nservices:\n  app:\n    image: ./Dockerfile\n    provider: { name: docker }\n`,
  );
}

const env = { ...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_BUILDKIT: '0' };
const removeImages = (ref) => {
  const ids = spawnSync('docker', ['images', '-q', '--filter', `reference=${ref}`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  if (ids.length) spawnSync('docker', ['rmi', '-f', ...new Set(ids)]);
};

export async function measure(tmp) {
  const rounds = Number(process.env.PCTL_BENCH_ROUNDS) || 5;
  const stack = uniqueName('bench-rebuild');
  const pDir = path.join(tmp, 'pctl');
  const dDir = path.join(tmp, 'docker');
  writeSide(pDir, stack);
  writeSide(dDir, stack);
  const image = `${stack}-plain:bench`;
  const sides = {
    pctl: () => runAsync(process.execPath, [pctl, 'build'], { cwd: pDir }),
    docker: () => runAsync('docker', ['build', '-q', '-t', image, dDir], { env }),
  };
  try {
    run(process.execPath, [pctl, 'build'], { cwd: pDir });
    run('docker', ['build', '-q', '-t', image, dDir], { env });
    const per = { pctl: [], docker: [] };
    for (let r = 1; r <= rounds; r++) {
      const change = `changed in round ${r} ${randomBytes(4).toString('hex')}\n`;
      writeFileSync(path.join(pDir, 'src', 'f7.txt'), change);
      writeFileSync(path.join(dDir, 'src', 'f7.txt'), change);
      for (const kind of r % 2 ? ['docker', 'pctl'] : ['pctl', 'docker']) {
        const t = await timeAsync(sides[kind]);
        per[kind].push(t);
        process.stderr.write(`[bench] rebuild round ${r} ${kind}: ${ms(t)}\n`);
      }
    }
    const ratios = per.pctl.map((t, i) => t / per.docker[i]);
    const of = `median of ${rounds}`;
    return [
      [
        'rebuild after a one-file change: `pctl build`',
        ms(median(per.pctl)),
        `${of}; ${median(ratios).toFixed(2)}× docker build (rounds: ${ratios.map((x) => x.toFixed(2)).join(', ')}); target 1.0×`,
      ],
      ['rebuild after a one-file change: `docker build`', ms(median(per.docker)), `${of}; classic builder`],
    ];
  } finally {
    removeImages(`pctl-${stack}-app`);
    removeImages(image);
    rmSync(pDir, { recursive: true, force: true });
    rmSync(dDir, { recursive: true, force: true });
  }
}
