// Parsing of flag values: counts and durations, each refused with the flag's name.
import { PctlError } from '@pctl/core';

/** Global flags every command sees (`cmd.optsWithGlobals()`). */
export interface GlobalOpts {
  config: string;
  name?: string;
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
    throw new PctlError({ code: 'BadUsage', message: `${flag} must be a positive integer, got ${JSON.stringify(value)}`, fault: 'user', exitCode: 2 });
  }
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_DURATION_MS = 24 * 3_600_000;

// A duration like `0`, `30s`, `5m`, `1h`, `1m30s` or `500ms` in milliseconds.
export function parseDuration(flag: string, value: string): number {
  const bad = () =>
    new PctlError({ code: 'BadUsage', message: `${flag} must be a duration like 0, 30s, 5m or 1h, got ${JSON.stringify(value)}`, fault: 'user', exitCode: 2 });
  const text = value.trim();
  if (text === '0') return 0;
  if (!/^(\d+(ms|s|m|h))+$/.test(text)) throw bad();
  let ms = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) throw bad();
  return ms;
}
