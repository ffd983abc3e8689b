// Calls into code pctl does not own (provider verbs, plugins, resolvers) as tracked steps:
// each has a time limit, anything it throws becomes one PctlError line naming the module,
// and a step still unsettled when the process runs out of work is reported, not lost.
import { isPctlError, PctlError, toPctlError } from './errors.js';

export interface StepInfo {
  /** What runs it, as a user would find it: `provider file (./file-provider.mjs)`. */
  module: string;
  /** The verb and its subject: `deploy custom-api`. */
  step: string;
  startedAt: number;
}

/** Default limit for one step: long enough for any real deploy, short of "for ever". */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;

const inFlight = new Set<StepInfo>();

// The steps started and not yet settled, oldest first.
export function unsettledSteps(): StepInfo[] {
  return [...inFlight].sort((a, b) => a.startedAt - b.startedAt);
}

// The error for a run that ended (event loop empty) while these steps were unsettled.
export function unsettledError(steps: StepInfo[]): PctlError {
  const first = steps[0];
  if (!first) {
    return new PctlError({
      code: 'InternalError',
      message: 'pctl ran out of work before the command finished (a promise never settled)',
      fault: 'tool',
      exitCode: 1,
    });
  }
  const more = steps.length > 1 ? ` (and ${steps.length - 1} more step${steps.length === 2 ? '' : 's'})` : '';
  return new PctlError({
    code: 'StepNeverSettled',
    message: `${first.module}: ${first.step} never settled: its promise neither resolved nor rejected and nothing was left to wait for${more}`,
    fault: 'user',
    exitCode: 1,
    hint: 'make it resolve or throw',
  });
}

// Words for a thrown value that is not an Error: `{code: 42}` -> `{"code":42}`.
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] || e.name;
  if (e === undefined) return 'threw undefined (no error object)';
  if (e === null) return 'threw null (no error object)';
  if (typeof e === 'string') return e.split('\n')[0] || 'threw an empty string';
  if (typeof e === 'object') {
    let text: string | undefined;
    try {
      text = JSON.stringify(e);
    } catch {
      text = undefined;
    }
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m) return m.split('\n')[0]!;
    return `threw a non-Error value ${text && text.length <= 200 ? text : Object.prototype.toString.call(e)}`;
  }
  return `threw ${typeof e} ${String(e)}`;
}

// A thrown value as the PctlError users see: a PctlError passes through; anything else
// is one line naming the module and the step.
export function stepError(info: Pick<StepInfo, 'module' | 'step'>, e: unknown): PctlError {
  if (isPctlError(e)) return toPctlError(e);
  return new PctlError({
    code: 'ModuleFailed',
    message: `${info.module}: ${info.step} failed: ${describeThrown(e)}`,
    fault: 'user',
    exitCode: 1,
    detail: e instanceof Error ? thrownAt(e) : undefined,
    cause: e,
  });
}

// The value a step really threw, under the ModuleFailed wrapper runStep put around it.
export function thrownValue(e: unknown): unknown {
  return isPctlError(e) && e.code === 'ModuleFailed' ? e.cause : e;
}

// Where an Error was thrown (`file:line:col` of its first frame), for --verbose.
function thrownAt(e: Error): string | undefined {
  const frame = /\n\s+at (?:.*?\()?([^()\s]+:\d+:\d+)\)?/.exec(e.stack ?? '');
  return frame ? `thrown at ${frame[1]}` : undefined;
}

export interface StepOptions {
  module: string;
  step: string;
  /** Milliseconds before the step is given up on (default DEFAULT_STEP_TIMEOUT_MS). */
  timeoutMs?: number;
  /** What to tell the user to raise, e.g. `--step-timeout`. */
  timeoutHint?: string;
}

// Runs fn as a tracked step. The timer does not keep the process alive: a step that waits
// on nothing at all is caught when the event loop empties (see unsettledSteps).
export async function runStep<T>(opts: StepOptions, fn: () => T | Promise<T>): Promise<T> {
  const info: StepInfo = { module: opts.module, step: opts.step, startedAt: Date.now() };
  const limit = opts.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  inFlight.add(info);
  let timer: NodeJS.Timeout | undefined;
  try {
    const work = Promise.resolve().then(fn);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new PctlError({
            code: 'StepTimeout',
            message: `${opts.module}: ${opts.step} did not finish within ${formatMs(limit)}`,
            fault: 'environment',
            exitCode: 1,
            hint: opts.timeoutHint ?? 'raise --step-timeout, or find out why it hangs',
          }),
        );
      }, limit);
      timer.unref();
    });
    return await Promise.race([work, timeout]);
  } catch (e) {
    throw stepError(info, e);
  } finally {
    clearTimeout(timer);
    inFlight.delete(info);
  }
}

// `90000` -> `90s`, `1800000` -> `30m`.
export function formatMs(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

// `90`, `90s`, `5m`, `1h`, `500ms` -> milliseconds; undefined when it is not a duration.
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return ms > 0 ? ms : undefined;
}
