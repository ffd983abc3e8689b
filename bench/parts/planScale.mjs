// `pctl plan`, `pctl render` and deploy's planning of 1,000 and 10,000 services, next to
// `pctl validate` of the same file: wall and CPU time, peak memory (target: 10,000 planned in
// under 5 s and 500 MB).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median, pctl } from '../lib.mjs';

export const title = 'plan at scale';

export const notes = [
  `**plan at scale**: stacks of N prebuilt-image services (\`image: busybox\`, a port, an env
  value, chains of 10 by \`dependsOn\`), nothing built. Each command runs with
  \`node --import bench/cpuReport.mjs\`, which reads the process's CPU time (user + sys) and
  peak resident set at exit; commands are timed in turns with \`pctl validate\` of the same
  file (parsing, resolving and checking it), so machine drift weighs on both, and on a busy
  machine the CPU time says more than the wall time. "Deploy's planning" is \`pctl deploy\` on a
  custom provider whose deploy fails at once: load, plan, order, lock and one state write,
  stopped at the first provider call. Before the fix, plan grew quadratically: 1,000 services
  1.0 s / 115 MB, 3,000 6.3 s / 730 MB, 10,000 55 s / 4.2 GB, 20,000 out of memory.`,
];

const cpuReport = new URL('../cpuReport.mjs', import.meta.url).href;
const failing = `export default { apiVersion: 1, name: 'failing', async deploy() { throw new Error('stop'); }, async destroy() {} };\n`;

// A stack of n services on `provider` (kind for render; docker otherwise).
function writeStack(dir, n, provider) {
  mkdirSync(dir, { recursive: true });
  let y = `name: scale${n}${provider}\n${provider === 'failing' ? 'providers: { failing: ./failing.mjs }\n' : ''}services:\n`;
  for (let i = 0; i < n; i++) {
    y += `  s${i}:\n    image: busybox\n    ports: [${10_000 + (i % 50_000)}]\n    env: { INDEX: "${i}" }\n    provider: { name: ${provider} }\n`;
    if (i % 10) y += `    dependsOn: [s${i - 1}]\n`;
  }
  writeFileSync(path.join(dir, 'pctl.yaml'), y);
  if (provider === 'failing') writeFileSync(path.join(dir, 'failing.mjs'), failing);
  return dir;
}

// Wall ms, CPU ms (user + sys) and peak RSS (MiB) of one pctl run, which must exit with `status`.
function measureOnce(dir, args, status = 0) {
  const report = path.join(dir, 'usage.json');
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', cpuReport, pctl, ...args], {
    cwd: dir,
    env: { ...process.env, PCTL_BENCH_CPU: report },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== status)
    throw new Error(
      `pctl ${args.join(' ')} in ${dir} exited ${r.status}, not ${status}: ${(r.stderr ?? '').slice(-2000)}`,
    );
  const u = JSON.parse(readFileSync(report, 'utf8'));
  return { wall, cpu: (u.userUs + u.sysUs) / 1000, rss: u.maxRssKb / 1024 };
}

// Medians of `runs` runs of the command and of validate, in turns.
function paired(dir, args, runs, status = 0) {
  const a = [];
  const v = [];
  for (let i = 0; i < runs; i++) {
    a.push(measureOnce(dir, args, status));
    v.push(measureOnce(dir, ['validate']));
  }
  const m = (xs, k) => median(xs.map((x) => x[k]));
  return {
    wall: m(a, 'wall'),
    cpu: m(a, 'cpu'),
    rss: m(a, 'rss'),
    vWall: m(v, 'wall'),
    vCpu: m(v, 'cpu'),
    vRss: m(v, 'rss'),
  };
}

const s2 = (ms) => `${(ms / 1000).toFixed(2)} s`;
// Wall time, CPU time (a busy machine stretches the first far more), peak memory.
const fmt = (r) => `${s2(r.wall)} (CPU ${s2(r.cpu)}), ${r.rss.toFixed(0)} MiB`;
const ratios = (r) =>
  `${(r.wall / r.vWall).toFixed(2)}× validate's time, ${(r.cpu / r.vCpu).toFixed(2)}× its CPU, ${(r.rss / r.vRss).toFixed(2)}× its memory`;
const n3 = (n) => n.toLocaleString('en-US');

export async function measure(tmp) {
  const rows = [];
  for (const n of [1_000, 10_000]) {
    const runs = n <= 1_000 ? 5 : 3;
    const docker = writeStack(path.join(tmp, `docker${n}`), n, 'docker');
    const v = paired(docker, ['plan'], runs);
    rows.push([
      `\`pctl validate\`, ${n3(n)} docker services`,
      fmt({ wall: v.vWall, cpu: v.vCpu, rss: v.vRss }),
      `median of ${runs}`,
    ]);
    rows.push([
      `\`pctl plan\`, ${n3(n)} docker services`,
      fmt(v),
      `median of ${runs}, in turns with validate: ${ratios(v)}${n === 10_000 ? '; target < 5 s and 500 MB' : ''}`,
    ]);
    const kind = writeStack(path.join(tmp, `kind${n}`), n, 'kind');
    const r = paired(kind, ['render'], runs);
    rows.push([`\`pctl render\`, ${n3(n)} kind services`, fmt(r), `median of ${runs}; ${ratios(r)}`]);
    const failing = writeStack(path.join(tmp, `deploy${n}`), n, 'failing');
    const d = paired(failing, ['deploy'], runs, 1);
    rows.push([`deploy's planning, ${n3(n)} services`, fmt(d), `median of ${runs}; ${ratios(d)}`]);
    process.stderr.write(
      `[bench] N=${n}: validate ${s2(v.vWall)}, plan ${fmt(v)}, render ${fmt(r)}, deploy planning ${fmt(d)}\n`,
    );
  }
  return rows;
}
