// Whether this run prints the --json document: decided once, from the raw arguments, before
// commander parses them (stdout must be diverted before any provider or plugin runs). Words
// after `--` are arguments, not flags.
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}
