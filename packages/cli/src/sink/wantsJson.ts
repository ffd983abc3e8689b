// Whether this run prints the --json document: decided once, from the raw arguments, before
// commander parses them (stdout must be diverted before any provider or plugin runs). Words
// after `--` are arguments, not flags. PCTL_JSON=1 asks for it as the flag does.
import { envTrue, FLAG_ENV } from '../flags.js';

export function wantsJson(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json') || envTrue(env[FLAG_ENV.json]);
}
