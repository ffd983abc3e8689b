// pctl benchmarks. Figures go to docs/benchmarks.md, never into timed tests.
//   node bench/run.mjs [part ...]   (or PCTL_BENCH_PARTS=a,b): only these parts; default all;
//   node bench/run.mjs doc          writes docs/benchmarks.md from bench/results.json alone.
//   PCTL_BENCH_ROUNDS=n: rounds of the docker10 and docker30 parts (default 3 and 2);
//   PCTL_BENCH_REMARK="..." is printed beside the run's date (e.g. "busy machine").
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machine } from './lib.mjs';
import { loadResults, saveResults, writeDoc } from './report.mjs';
import * as redeploy from './parts/redeploy.mjs';
import * as handover from './parts/handover.mjs';
import * as coldStart from './parts/coldStart.mjs';
import * as hashing from './parts/hashing.mjs';
import * as awsPlan from './parts/awsPlan.mjs';
import * as kubePlan from './parts/kubePlan.mjs';
import * as planScale from './parts/planScale.mjs';
import * as stateS3 from './parts/stateS3.mjs';
import * as logsFirstLine from './parts/logsFirstLine.mjs';
import * as podSync from './parts/podSync.mjs';
import { dockerPart } from './parts/dockerDeploy.mjs';
import * as builds from './parts/builds.mjs';
import * as rebuild from './parts/rebuild.mjs';
import * as cacheMount from './parts/cacheMount.mjs';

// In table order.
const parts = [
  ['docker10', dockerPart(10)],
  ['docker30', dockerPart(30, { cpu: true })],
  ['builds', builds],
  ['rebuild', rebuild],
  ['cachemount', cacheMount],
  ['redeploy', redeploy],
  ['handover', handover],
  ['start', coldStart],
  ['hash', hashing],
  ['aws', awsPlan],
  ['kube', kubePlan],
  ['scale', planScale],
  ['state', stateS3],
  ['logs', logsFirstLine],
  ['podsync', podSync],
];

const asked = process.argv.slice(2).length
  ? process.argv.slice(2)
  : (process.env.PCTL_BENCH_PARTS ?? '').split(',').filter(Boolean);
const unknown = asked.filter((a) => a !== 'doc' && !parts.some(([name]) => name === a));
if (unknown.length) {
  process.stderr.write(
    `bench: unknown part ${unknown.join(', ')}; the parts are ${parts.map(([n]) => n).join(', ')}\n`,
  );
  process.exit(2);
}
// `doc` alone measures nothing: it writes the page again from bench/results.json.
const selected = parts.filter(([name]) => !asked.length || asked.includes(name));

const results = loadResults();
// One date for the whole run, so its parts are listed together.
const at = new Date().toISOString();
for (const [name, mod] of selected) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `pctl-bench-${name}-`));
  process.stderr.write(`[bench] ${name}: ${mod.title}\n`);
  try {
    const rows = await mod.measure(tmp);
    results.parts[name] = {
      at,
      machine: machine(),
      ...(process.env.PCTL_BENCH_REMARK ? { remark: process.env.PCTL_BENCH_REMARK } : {}),
      rows,
    };
    saveResults(results);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
process.stdout.write(writeDoc(parts, results));
