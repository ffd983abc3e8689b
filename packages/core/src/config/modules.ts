// Modules a stack file names (plugins, resolvers): a path relative to the stack file, or a
// package name resolved from the stack file's folder as Node resolves it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PctlError } from '../errors.js';

/** True when the entry is a path (`./x.mjs`, `../x`, `/abs`), not a package name. */
export function isModulePath(spec: string): boolean {
  return /^(\.{1,2}([/\\]|$)|\/)/.test(spec) || path.isAbsolute(spec);
}

/** Imports a plugin or resolver module named in the stack file at `configPath`. */
export async function importStackModule(spec: string, configPath: string): Promise<Record<string, unknown>> {
  const file = isModulePath(spec) ? path.resolve(path.dirname(configPath), spec) : createRequire(configPath).resolve(spec);
  return (await settledOrFail(import(pathToFileURL(file).href), `module ${spec} (loading it)`)) as Record<string, unknown>;
}

/**
 * The promise's outcome; if Node runs out of other work while it is pending (a plugin or
 * resolver whose promise never settles), a `NeverSettled` error naming `what` instead of
 * Node quietly exiting 0.
 */
export async function settledOrFail<T>(p: Promise<T> | T, what: string): Promise<T> {
  let onEmptyLoop: (() => void) | undefined;
  const never = new Promise<never>((_, reject) => {
    onEmptyLoop = () => reject(new PctlError({ code: 'NeverSettled', message: `${what} never settled: its promise neither resolved nor rejected`, fault: 'user', exitCode: 1 }));
    process.once('beforeExit', onEmptyLoop);
  });
  try {
    return await Promise.race([p, never]);
  } finally {
    process.off('beforeExit', onEmptyLoop!);
  }
}

/** One line describing any thrown value: an Error's first message line, a string, `{code: 42}`, undefined. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return (e.message.split('\n')[0] || e.name).slice(0, 500);
  if (typeof e === 'string') return (e.split('\n')[0] || '(an empty string)').slice(0, 500);
  if (e === undefined || e === null) return `it threw ${String(e)}`;
  try {
    const json = JSON.stringify(e);
    return `it threw ${json === undefined ? String(e) : json.slice(0, 200)}`;
  } catch {
    return `it threw a ${typeof e}`;
  }
}
