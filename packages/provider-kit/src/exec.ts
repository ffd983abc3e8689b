// The exec wrapper's shape: the one way a provider runs an external command, as an
// argument array (never a shell string), with secrets masked in what it reports.
import type { Readable } from 'node:stream';

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Written to the command's stdin (a password for `docker login --password-stdin`, a build context tar stream). */
  input?: string | Buffer | Readable;
  signal?: AbortSignal;
  /** Milliseconds before the command is killed. */
  timeout?: number;
  /** Called with each line of stdout/stderr as it arrives (build logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Do not throw on a non-zero exit; the caller inspects `exitCode`. */
  reject?: boolean;
  /** Values to mask in error messages and verbose output (passwords, tokens). */
  secrets?: string[];
}

export interface ExecResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type Exec = (file: string, args: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;
