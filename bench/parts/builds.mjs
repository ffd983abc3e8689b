// Ten image builds four ways in the same run: plain `docker build` (the engine's classic
// builder, 2 at a time) without labels and with pctl's two labels, and `pctl build` with
// `builder: classic` (labels as one LABEL step) and with `builder: docker` (the engine's
// BuildKit, labels in the image config).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { median, pctl, pool, runAsync, secs, timeAsync, uniqueName } from '../lib.mjs';

const N = 10;
export const title = `${N} image builds: classic builder and BuildKit, with and without labels`;

export const notes = [
  `**${N} builds**: ${N} Dockerfiles (\`FROM busybox\`, a COPY of the service's folder, a RUN
  step), each side, each round, in a fresh folder with a new nonce in every file (no image
  or build-cache step of another side or round is reused). Plain docker runs
  \`DOCKER_BUILDKIT=0 docker build\` 2 at a time (the docker CLI here has no buildx, so its
  \`docker build\` is the classic builder), once without labels and once with
  \`--label managed-by=pctl --label pctl-stack=...\`; pctl runs \`pctl build\` (2 at a time on
  this machine) with \`builder: classic\` and with \`builder: docker\`. Ratios are against
  plain docker without labels in the same round (median of the rounds). Images are
  removed after each side.`,
];

function writeSide(dir, stack, builder) {
  mkdirSync(dir, { recursive: true });
  const nonce = randomBytes(8).toString('hex');
  let yaml = `name: ${stack}\nservices:\n`;
  const services = [];
  for (let i = 0; i < N; i++) {
    const name = `svc${i}`;
    mkdirSync(path.join(dir, name));
    writeFileSync(
      path.join(dir, name, 'Dockerfile'),
      `FROM busybox:latest\nCOPY ${name}/ /app/\nRUN cat /app/round.txt > /app/seen\nCMD ["sleep", "86400"]\n`,
    );
    writeFileSync(path.join(dir, name, 'round.txt'), `${stack} ${name} ${nonce}\n`);
    yaml += `  ${name}:\n    build: { context: ., dockerfile: ${name}/Dockerfile${builder ? `, builder: ${builder}` : ''} }\n    provider: { name: docker }\n`;
    services.push({ name, image: `${stack}-${name}:bench`, dockerfile: path.join(dir, name, 'Dockerfile') });
  }
  writeFileSync(path.join(dir, 'pctl.yaml'), yaml);
  return services;
}

function removeImages(prefix) {
  const ids = spawnSync('docker', ['images', '-q', '--filter', `reference=${prefix}*`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  if (ids.length) spawnSync('docker', ['rmi', '-f', ...new Set(ids)]);
}

const env = { ...process.env, DOCKER_CLI_HINTS: 'false', DOCKER_BUILDKIT: '0' };
const SIDES = {
  plain: (dir, stack, services) =>
    pool(services, 2, (s) => runAsync('docker', ['build', '-q', '-t', s.image, '-f', s.dockerfile, dir], { env })),
  plainLabels: (dir, stack, services) =>
    pool(services, 2, (s) =>
      runAsync(
        'docker',
        [
          'build',
          '-q',
          '-t',
          s.image,
          '--label',
          'managed-by=pctl',
          '--label',
          `pctl-stack=${stack}`,
          '-f',
          s.dockerfile,
          dir,
        ],
        { env },
      ),
    ),
  classic: (dir) => runAsync(process.execPath, [pctl, 'build'], { cwd: dir }),
  buildkit: (dir) => runAsync(process.execPath, [pctl, 'build'], { cwd: dir }),
};

export async function measure(tmp) {
  const rounds = Number(process.env.PCTL_BENCH_ROUNDS) || 3;
  const per = { plain: [], plainLabels: [], classic: [], buildkit: [] };
  const kinds = Object.keys(per);
  for (let r = 1; r <= rounds; r++) {
    // A different side goes first each round.
    const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]);
    for (const kind of order) {
      const stack = uniqueName(`bench-bk-${kind.toLowerCase()}`);
      const dir = path.join(tmp, stack);
      const services = writeSide(
        dir,
        stack,
        kind === 'classic' ? 'classic' : kind === 'buildkit' ? 'docker' : undefined,
      );
      try {
        const t = await timeAsync(() => SIDES[kind](dir, stack, services));
        per[kind].push(t);
        process.stderr.write(`[bench] builds round ${r} ${kind}: ${secs(t)}\n`);
      } finally {
        removeImages(stack.startsWith('pctl-') ? stack : `pctl-${stack}`);
        removeImages(stack);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const ratio = (kind) => {
    const rs = per[kind].map((t, i) => t / per.plain[i]);
    return `${median(rs).toFixed(2)}× plain docker without labels (rounds: ${rs.map((x) => x.toFixed(2)).join(', ')})`;
  };
  const of = `median of ${rounds}`;
  return [
    [`${N} builds: plain docker build, no labels`, secs(median(per.plain)), `${of}; classic builder, 2 at a time`],
    [`${N} builds: plain docker build, with labels`, secs(median(per.plainLabels)), `${of}; ${ratio('plainLabels')}`],
    [
      `${N} builds: pctl build, builder classic`,
      secs(median(per.classic)),
      `${of}; ${ratio('classic')}; labels as a LABEL step`,
    ],
    [
      `${N} builds: pctl build, builder docker (BuildKit)`,
      secs(median(per.buildkit)),
      `${of}; ${ratio('buildkit')}; target 1.0×; labels in the image config`,
    ],
  ];
}
