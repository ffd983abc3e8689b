// Problems found in a stack file, and the one error that carries them all.
import { maskSecrets, MIN_MASKED } from '../output/mask.js';
import { editDistance } from '../closestName.js';
import { PctlError } from '../errors.js';

export interface ConfigIssue {
  path: string;
  line?: number;
  message: string;
  /** The file the issue is in, when not the stack file the error names (an included file). */
  file?: string;
  /** The environment (`--env`) the stack was composed for. */
  environment?: string;
}

// One error for an invalid stack file, carrying every issue found.
export class ConfigError extends PctlError {
  readonly issues: ConfigIssue[];
  constructor(
    readonly file: string,
    issues: ConfigIssue[],
  ) {
    const lines = formatIssues(file, issues);
    super({
      code: 'InvalidConfig',
      message: issues.length === 1 ? lines[0]! : `${file}: ${issues.length} errors, first: ${lines[0]}`,
      fault: 'user',
      exitCode: 2,
      detail: issues.length > 1 ? lines.join('\n') : undefined,
    });
    this.issues = issues;
  }
}

// `file:line path: message`, one line per issue.
export function formatIssues(file: string, issues: ConfigIssue[]): string[] {
  return issues.map((i) =>
    `${i.file ?? file}${i.line ? `:${i.line}` : ''} ${i.environment ? `[env ${i.environment}] ` : ''}${i.path ? `${i.path}: ` : ''}${i.message}`
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

/** Issues in file order (the stack file first, then included files; line, then path), each once. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const k = `${i.file ?? ''}|${i.environment ?? ''}|${i.path}|${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(
      (a, b) =>
        (a.file ?? '').localeCompare(b.file ?? '') ||
        (a.line ?? Infinity) - (b.line ?? Infinity) ||
        a.path.localeCompare(b.path),
    );
}

/** The issue with every secret value of at least `minLength` characters replaced by `***`. */
export function maskIssue(issue: ConfigIssue, secrets: readonly string[], minLength = 1): ConfigIssue {
  const shown = secrets.filter((s) => s.length >= minLength);
  let message = maskSecrets(issue.message, shown);
  // A value at a secret path is hidden even when too short for the general mask.
  for (const s of shown.filter((x) => x.length < MIN_MASKED).sort((a, b) => b.length - a.length))
    message = message.split(s).join('***');
  return { ...issue, path: maskSecrets(issue.path, secrets), message };
}

const KNOWN = [
  'image',
  'build',
  'registry',
  'command',
  'env',
  'scale',
  'ports',
  'health',
  'volumes',
  'dependsOn',
  'kind',
  'timeout',
  'strategy',
  'rollout',
  'batch',
  'condition',
  'manifests',
  'provider',
  'options',
  'name',
  'services',
  'custom',
  'resolver',
  'plugin',
  'providers',
  'replica',
  'cpu',
  'memory',
  'interval',
  'retries',
  'onfailure',
  'context',
  'dockerfile',
  'target',
  'args',
  'entrypoint',
  'builder',
  'secrets',
  'path',
  'url',
  'username',
  'password',
  'files',
  'description',
  'version',
  'hostPath',
  'readOnly',
];

// " (did you mean "x"?)" for a typo of a known field, else "".
export function suggest(k: string, known: readonly string[] = KNOWN): string {
  const a = k.toLowerCase();
  if (a.length > 40) return '';
  const best = known.map((w) => [w, editDistance(a, w.toLowerCase())] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= 2 ? ` (did you mean "${best[0]}"?)` : '';
}
