// `pctl --version` cold start next to `node -e 0`.
import { ms, pctl, run, time } from '../lib.mjs';

export const title = 'cold start';

export const notes = ['**cold start**: `pctl --version` loads no provider and no cloud SDK.'];

export async function measure() {
  const node0 = time(() => run(process.execPath, ['-e', '0']), 10);
  const version = time(() => run(process.execPath, [pctl, '--version']), 10);
  return [
    ['`node -e 0`', ms(node0), 'median of 10'],
    ['`pctl --version`', ms(version), `median of 10 (${(version / node0).toFixed(1)}× node)`],
  ];
}
