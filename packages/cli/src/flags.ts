// Parsing of flag values: counts and durations, each refused with the flag's name (or the
// PCTL_* variable it came from); the environment variable of every global flag.
import type { Command } from 'commander';
import { PctlError } from '@pctl/core';

/** Global flags every command sees (`cmd.optsWithGlobals()`). */
export interface GlobalOpts {
  config: string;
  name?: string;
  /** `--env`: the environment to compose. */
  env?: string;
  json?: boolean;
  verbose?: boolean;
  concurrency?: string;
  wait: boolean;
  lockTimeout: string;
  forceBuild?: boolean;
  buildSequential?: boolean;
  buildConcurrency?: string;
  skipPush?: boolean;
  stepTimeout: string;
  /** `--state URL` / PCTL_STATE. */
  state?: string;
}

// A flag's value as a positive integer, or a BadUsage error naming the flag.
export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new PctlError({
      code: 'BadUsage',
      message: `${flag} must be a positive integer, got ${JSON.stringify(value)}`,
      fault: 'user',
      exitCode: 2,
    });
  }
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_DURATION_MS = 24 * 3_600_000;

// A duration like `0`, `30s`, `5m`, `1h`, `1m30s` or `500ms` in milliseconds.
export function parseDuration(flag: string, value: string): number {
  const bad = () =>
    new PctlError({
      code: 'BadUsage',
      message: `${flag} must be a duration like 0, 30s, 5m or 1h, got ${JSON.stringify(value)}`,
      fault: 'user',
      exitCode: 2,
    });
  const text = value.trim();
  if (text === '0') return 0;
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) throw bad();
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) throw bad();
  return ms;
}

/** The environment variable each global flag reads when it is not on the command line (the flag wins). */
export const FLAG_ENV = {
  config: 'PCTL_CONFIG',
  name: 'PCTL_NAME',
  env: 'PCTL_ENV',
  json: 'PCTL_JSON',
  verbose: 'PCTL_VERBOSE',
  concurrency: 'PCTL_CONCURRENCY',
  lockTimeout: 'PCTL_LOCK_TIMEOUT',
  wait: 'PCTL_NO_WAIT',
  stepTimeout: 'PCTL_STEP_TIMEOUT',
  state: 'PCTL_STATE',
} as const satisfies Partial<Record<keyof GlobalOpts, string>>;

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off|)$/;

/** A boolean variable's value: 1/true/yes/on or 0/false/no/off (or empty); anything else is refused naming it. */
export function envBoolean(variable: string, value: string): boolean {
  if (TRUE.test(value.trim())) return true;
  if (FALSE.test(value.trim().toLowerCase())) return false;
  throw new PctlError({
    code: 'BadUsage',
    message: `${variable} must be 1, true, yes or on (or 0, false, no, off), got ${JSON.stringify(value)}`,
    fault: 'user',
    exitCode: 2,
  });
}

/** Whether a boolean variable is set to a true value (lenient: for decisions made before the flags parse). */
export const envTrue = (value: string | undefined): boolean => value !== undefined && TRUE.test(value.trim());

// The boolean global flags from their variables (commander would turn any value, even 0, on).
export function applyBooleanEnv(program: Command, env: NodeJS.ProcessEnv = process.env): void {
  const flags: [key: 'json' | 'verbose' | 'wait', on: boolean][] = [
    ['json', true],
    ['verbose', true],
    ['wait', false],
  ];
  for (const [key, on] of flags) {
    const variable = FLAG_ENV[key];
    const raw = env[variable];
    if (raw === undefined || program.getOptionValueSource(key) === 'cli') continue;
    if (envBoolean(variable, raw)) program.setOptionValueWithSource(key, on, 'env');
  }
}

/** How a value flag is named in an error: the variable when its value came from there, else the flag. */
export function flagLabel(cmd: Command, key: keyof typeof FLAG_ENV, flag: string): string {
  return cmd.getOptionValueSourceWithGlobals(key) === 'env' ? FLAG_ENV[key] : flag;
}
