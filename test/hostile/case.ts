// One hostile input: files written into a fresh temp folder, a pctl command run there,
// and what must come of it (exit code, the one message line, nothing left behind).
export type HostileFile = string | { fifo: true } | { symlink: string } | { content: string; mode: number };

export interface HostileCase {
  /** What is hostile about it, as a reader of the test list would want to see it. */
  name: string;
  /** Files relative to the temp folder (`pctl.yaml` is the stack file by default). */
  files: Record<string, HostileFile>;
  /** pctl arguments, run with the temp folder as cwd. */
  argv: string[];
  env?: Record<string, string>;
  /** Expected exit code. */
  exit: number;
  /** Must match stderr (the one error line names the file, the path and the fix). */
  stderr?: RegExp;
  stdout?: RegExp;
  /** Must not appear anywhere in stdout or stderr (e.g. a secret). */
  never?: string[];
  /** Kills pctl after this long (ms) and fails: a hostile input must not hang. Default 60 s. */
  timeoutMs?: number;
  /** Signal sent once pctl has written `waitFor` to stderr (for Ctrl-C cases). */
  signal?: { name: NodeJS.Signals; waitFor: RegExp };
  /** Checks on the folder after the run (state untouched, no lock left, ...). */
  after?: (dir: string) => void | Promise<void>;
  /** Makes what the run meets outside the folder (e.g. a user's Docker volume) before it starts. */
  before?: (dir: string) => void | Promise<void>;
  /** Removes what `before` made, whether the case passed or not. */
  cleanup?: () => void | Promise<void>;
}
