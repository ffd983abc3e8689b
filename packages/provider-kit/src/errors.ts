// One error class for everything pctl reports to a user: a stable code, who is at fault,
// a one-line message, an optional fix hint and verbose-only detail (commands, stderr).
export type Fault = 'user' | 'environment' | 'tool';

export interface PctlErrorOptions {
  code: string;
  message: string;
  fault?: Fault;
  hint?: string;
  detail?: string;
  cause?: unknown;
  /** Process exit code: 2 for bad usage or invalid config, 1 otherwise. */
  exitCode?: number;
}

export class PctlError extends Error {
  readonly code: string;
  readonly fault: Fault;
  readonly hint?: string;
  readonly detail?: string;
  readonly exitCode: number;

  constructor(opts: PctlErrorOptions) {
    super(opts.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PctlError';
    this.code = opts.code;
    this.fault = opts.fault ?? 'tool';
    this.hint = opts.hint;
    this.detail = opts.detail;
    this.exitCode = opts.exitCode ?? (this.fault === 'user' ? 2 : 1);
  }

  /** The single line a user sees. */
  oneLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

// True when the value is a PctlError, even across duplicated module instances.
export function isPctlError(e: unknown): e is PctlError {
  return e instanceof PctlError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'PctlError');
}

// Wraps any thrown value into a PctlError so the CLI always has one line to print.
export function toPctlError(e: unknown, code = 'InternalError'): PctlError {
  if (isPctlError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PctlError({ code, message, fault: 'tool', detail: e instanceof Error ? e.stack : undefined, cause: e });
}
