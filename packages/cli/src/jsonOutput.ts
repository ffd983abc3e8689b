// The one JSON document `--json` prints on stdout, whatever happens (docs/using/json.md;
// schemas/pctl-output.schema.json). Commands add their fields; main prints it once.
import type { PctlError } from '@pctl/core';

/** Bumped when a field changes meaning or goes away (adding fields does not bump it). */
export const JSON_FORMAT_VERSION = 1;

export interface JsonIssue {
  file?: string;
  line?: number;
  path: string;
  message: string;
  /** The environment (`--env`) the issue arises in. */
  environment?: string;
}

export interface JsonError {
  code: string;
  message: string;
  hint?: string;
  fault: string;
  exitCode: number;
  /** Every issue of an invalid stack file, not only the first. */
  issues?: JsonIssue[];
}

export interface JsonDocument {
  formatVersion: number;
  command: string;
  ok: boolean;
  error?: JsonError;
  [field: string]: unknown;
}

// The `error` member for a PctlError (with the issues of a config error).
export function errorJson(err: PctlError): JsonError {
  const issues = (
    err as PctlError & {
      issues?: { path: string; line?: number; message: string; file?: string; environment?: string }[];
    }
  ).issues;
  const file = (err as PctlError & { file?: string }).file;
  return {
    code: err.code,
    message: err.message,
    ...(err.hint ? { hint: err.hint } : {}),
    fault: err.fault,
    exitCode: err.exitCode,
    ...(issues?.length
      ? {
          issues: issues.map((i) => ({
            ...((i.file ?? file) ? { file: i.file ?? file } : {}),
            ...(i.line ? { line: i.line } : {}),
            path: i.path,
            message: i.message,
            ...(i.environment ? { environment: i.environment } : {}),
          })),
        }
      : {}),
  };
}
