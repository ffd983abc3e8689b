// The one place a command's output goes: progress events, notes for people, the result
// (the --json document's fields and the text people read), questions with a default answer.
// Two renderers implement it: human.ts (the terminal) and json.ts (the --json document).
import type { Reporter } from '@pctl/provider-kit/reporter';
import type { Writable } from 'node:stream';
import type { JsonDocument } from '../jsonOutput.js';

/** What people read of a result: stdout, and a line on stderr when there is nothing to show. */
export interface HumanResult {
  stdout: string;
  stderr?: string;
}

/** A yes/no question for the user, with the answer taken when nobody is asked. */
export interface ConfirmRequest {
  question: string;
  /** The answer when the user just presses Enter (the capital letter of `[y/N]`). */
  default: boolean;
  /** Already answered on the command line (`--yes`): nobody is asked. */
  answer?: boolean;
  /** No terminal to ask (or --json): the error to fail with; without it the default is taken. */
  unattended?: () => Error;
}

/** One line of a stream of lines (`pctl logs`). */
export interface StreamLine {
  service: string;
  replica: string;
  stream: 'stdout' | 'stderr';
  /** RFC 3339, as the platform stamped it. */
  time?: string;
  line: string;
}

/** One event of a watching command (`pctl dev`): its name, a sentence for people, its fields. */
export interface StreamEvent {
  event: string;
  text: string;
  [field: string]: unknown;
}

export interface OutputSink {
  /** `--json` is on: stdout carries only the document. */
  readonly json: boolean;
  /** The document `--json` prints; results and main's envelope fields go here. */
  readonly doc: JsonDocument;
  /** The reporter for the engine and the providers: progress events, rendered on stderr. */
  progress(opts: { verbose: boolean }): Reporter;
  /** A line for people on stderr (masked, control characters escaped), in both modes. */
  note(text: string): void;
  /** A warning line on stderr, in both modes. */
  warning(text: string): void;
  /** The command's result: `fields` into the document, `human` (rendered only for people) on stdout. */
  result(fields: Record<string, unknown>, human?: () => HumanResult | string): void;
  /** Asks a yes/no question on the terminal; without one, the request's unattended rule decides. */
  request(r: ConfirmRequest): Promise<boolean>;
  /** Help and version text: stdout for people, stderr under --json. */
  usage(text: string): void;
  /** A writer of streamed lines (`pctl logs`): people read `service/replica | line` (prefixes aligned, coloured on a terminal), programs one JSON object per line before the document. */
  lines(opts: { timestamps: boolean }): (line: StreamLine) => void;
  /** A writer of a watching command's events (`pctl dev`): people read each `text` on stderr, programs one JSON object per event on stdout, before the document. */
  events(): (event: StreamEvent) => void;
  /** A line of the result that comes while the command runs (`forwarding ...`): stdout for people, stderr under --json. */
  live(text: string): void;
  /** Bytes passed through as they are, no mask, no escape (`exec`'s output; `> dump.sql` must be exact); under --json the command's stdout goes to stderr. */
  passthrough(stream: 'stdout' | 'stderr'): Writable;
  /** Sets the exit code the command ends with when nothing throws: `exec` passes its command's on
   * (a failure unless 0), `plan --exit-code` says 2 when something would change (a result, not a
   * failure: the document's ok stays true). */
  exitWith(code: number, failed?: boolean): void;
  /** The exit code set by exitWith (0 when none was), and whether it is a failure. */
  exitCode(): { code: number; failed: boolean };
  /** The end of the run: under --json, prints the one document (ok unless the run failed: a
   * command's own exit status, such as plan --exit-code's 2, is not a failure). */
  finish(exitCode: number, failed?: boolean): void;
}

/** How progress is rendered for people (progress.ts, board.ts). */
export interface RendererOptions {
  verbose: boolean;
  stream?: NodeJS.WriteStream;
  /** Masks secrets in a text from outside and escapes its control characters (applied before pctl's own colours). */
  clean?: (text: string) => string;
  /** Writes a finished line (pctl's escapes around cleaned text); default: the stream's write. */
  write?: (text: string) => void;
}

/** What both renderers write through (main builds these around the guarded streams). */
export interface SinkIo {
  /** Results for people on stdout (passes the guard). */
  stdout: (text: string) => void;
  /** stderr with no guard: the live board's own escape sequences around cleaned text; bytes passed through. */
  rawStderr?: (text: string | Uint8Array) => void;
  /** stdout with no guard: bytes passed through (`exec`), coloured prefixes around cleaned text (`logs`). */
  rawStdout?: (text: string | Uint8Array) => void;
  /** The document, as is (already masked inside its strings). */
  writeDocument: (text: string) => void;
  mask: (text: string) => string;
  clean: (text: string) => string;
  maskDeep: <T>(value: T) => T;
  /** Whether a person can be asked (stdin is a terminal). */
  interactive: () => boolean;
}
