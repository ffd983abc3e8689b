// npm run check:cycles: fails when the import graph of packages/, providers/ and test/ has a cycle
// that scripts/cycles-allowed.txt does not list, or when that file lists a cycle that is gone (so it shrinks).
// Usage: node scripts/check-cycles.mjs [--root DIR]
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCycles } from './cycles.mjs';

const i = process.argv.indexOf('--root');
const root =
  i >= 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : fileURLToPath(new URL('..', import.meta.url));
const { lines, failed } = checkCycles(root);
for (const line of lines) console.log(line);
process.exit(failed ? 1 : 0);
