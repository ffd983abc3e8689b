// Modules a stack file names (plugins, resolvers): a path relative to the stack file, or a
// package name resolved from the stack file's folder as Node resolves it.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runStep } from '../step.js';
import { resolvePackage } from './packageResolve.js';

/** True when the entry is a path (`./x.mjs`, `../x`, `/abs`), not a package name. */
export function isModulePath(spec: string): boolean {
  return /^(\.{1,2}([/\\]|$)|\/)/.test(spec) || path.isAbsolute(spec);
}

/** Imports a plugin or resolver module named in the stack file at `configPath`, as a tracked step of `module`. */
export async function importStackModule(
  spec: string,
  configPath: string,
  module: string,
): Promise<Record<string, unknown>> {
  const file = isModulePath(spec)
    ? path.resolve(path.dirname(configPath), spec)
    : resolvePackage(spec, path.dirname(configPath));
  return (await runStep({ module, step: 'loading the module' }, () => import(pathToFileURL(file).href))) as Record<
    string,
    unknown
  >;
}
