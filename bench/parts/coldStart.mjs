// `pctl --version` cold start next to `node -e 0`.
import { ms, pctl, run, time } from '../lib.mjs';

export const title = 'cold start';

export const notes = [
  `**cold start**: \`pctl --version\` loads no provider and no cloud SDK. \`bin/pctl.js\` runs
  the CLI bundle (\`scripts/bundle.mjs\`: pctl's packages, zod, yaml and commander in a few
  files). From the per-package build it loaded some 300 modules one by one: 0.36-0.41 s
  against 0.20-0.25 s bundled, 5 runs each on the same quiet machine (2026-12-01).
  dockerode and docker-modem are a chunk of the bundle too (\`bundle/dockerode.js\`, loaded by
  the first command that speaks to an engine): from node_modules they were about 60 modules,
  70 ms; bundled, 30 ms. A destroy's first engine request came at 300-330 ms before, 220-270 ms
  after (6 runs each, same machine, 2026-12-01).`,
];

export async function measure() {
  const node0 = time(() => run(process.execPath, ['-e', '0']), 10);
  const version = time(() => run(process.execPath, [pctl, '--version']), 10);
  return [
    ['`node -e 0`', ms(node0), 'median of 10'],
    ['`pctl --version`', ms(version), `median of 10 (${(version / node0).toFixed(1)}× node)`],
  ];
}
