// Custom resolvers from `resolver:` modules: each default export is a class whose constructor
// gets the parsed config and returns a named function; its name is the resolver's name.
import { isPctlError } from '../errors.js';
import { describeThrown, thrownValue } from '../step.js';
import { importStackModule } from './modules.js';
import type { ResolveIssue, ResolverFn } from './resolve.js';

/** Names of the built-in resolvers (a custom resolver may not take one). */
export const BUILTIN_RESOLVERS = new Set(['env', 'self', 'file', 'ssm', 'cfn']);

// Loads `resolver:` modules: default export is a class whose constructor returns a named function.
export async function loadCustomResolvers(
  modules: unknown,
  configPath: string,
  raw: unknown,
): Promise<{ resolvers: Map<string, ResolverFn>; issues: ResolveIssue[] }> {
  const resolvers = new Map<string, ResolverFn>();
  const issues: ResolveIssue[] = [];
  if (!Array.isArray(modules)) return { resolvers, issues };
  for (const [i, mod] of modules.entries()) {
    if (typeof mod !== 'string') continue;
    try {
      const m = await importStackModule(mod, configPath, `resolver ${mod}`);
      const Cls = m.default as (new (parsed: unknown) => unknown) | undefined;
      if (typeof Cls !== 'function') throw new Error('its default export is not a class');
      const fn = new Cls(structuredClone(raw));
      if (typeof fn !== 'function' || !fn.name)
        throw new Error('its constructor must return a named function (the name is the resolver name)');
      if (BUILTIN_RESOLVERS.has(fn.name) || resolvers.has(fn.name)) {
        issues.push({ path: ['resolver', i], message: `resolver "${fn.name}" (${mod}) is registered twice` });
        continue;
      }
      resolvers.set(fn.name, fn as ResolverFn);
    } catch (e) {
      if (isPctlError(e) && e.code === 'StepTimeout') throw e;
      issues.push({ path: ['resolver', i], message: `cannot load resolver ${mod}: ${describeThrown(thrownValue(e))}` });
    }
  }
  return { resolvers, issues };
}
