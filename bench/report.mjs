// The bench's results: kept per part in bench/results.json (so a run of some parts keeps
// the others' rows, with when and where they ran), and written out as docs/benchmarks.md.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './lib.mjs';

const resultsFile = path.join(root, 'bench/results.json');
const docFile = path.join(root, 'docs/benchmarks.md');

export function loadResults() {
  return existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : { parts: {} };
}

export function saveResults(results) {
  const tmp = `${resultsFile}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(tmp, resultsFile);
}

// parts: [name, module] in table order; results: what loadResults gave, updated.
export function writeDoc(parts, results) {
  const measured = parts.filter(([name]) => results.parts[name]);
  // One line per distinct run (when, machine, remark), naming the parts it measured.
  const runs = new Map();
  for (const [name, mod] of measured) {
    const r = results.parts[name];
    const key = `${r.at} on ${r.machine}${r.remark ? ` (${r.remark})` : ''}`;
    runs.set(key, [...(runs.get(key) ?? []), mod.title ?? name]);
  }
  const runLines = [...runs]
    .sort(([a], [b]) => (a < b ? 1 : -1))
    .map(([key, titles]) => `- ${titles.join('; ')}: ${key}.`);
  const rows = measured.flatMap(([name]) => results.parts[name].rows);
  const table = ['| measure | result | note |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const notes = [...new Set(measured.flatMap(([, mod]) => mod.notes ?? []))].map((n) => `- ${n}`).join('\n');
  const doc = `# Benchmarks

Written by \`npm run bench\` (\`bench/run.mjs\`); run it again after touching a measured path.
Some parts alone: \`npm run bench -- docker10 docker30\` (or \`PCTL_BENCH_PARTS=docker10,docker30\`;
\`node bench/run.mjs doc\` only rewrites this page). The parts:
${parts.map(([name]) => `\`${name}\``).join(', ')}.
The rows of those not run stay as they were in \`bench/results.json\`, with when and where
they ran. \`PCTL_BENCH_ROUNDS=n\` sets the rounds of docker10 and docker30 (default 3 and 2).
These machines are shared and noisy: read the figures as orders of magnitude.

Measured:
${runLines.join('\n')}

${table}

${notes}
`;
  writeFileSync(docFile, doc);
  return doc;
}
