// A provider the stack's plugins deploy themselves (the original pctl's way), found by name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedStack } from '../config/index.js';
import { resolvePackage } from '../config/packageResolve.js';

// The plugin (listed under `plugin:`) that deploys services of this provider itself, the
// original pctl's way: one that exports `providers` naming it, or, for a module written
// for the original and left unchanged, one whose source compares with the name as a
// string literal (`s.provider.name === 'legacy'`).
export async function pluginHandling(name: string, stack: LoadedStack): Promise<string | undefined> {
  for (const mod of stack.config.plugin ?? []) {
    const file = resolvePlugin(mod, stack.configDir);
    if (!file) continue;
    let exported: Record<string, unknown>;
    try {
      exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch {
      continue; // loadStack already reported a plugin that does not load
    }
    const declared = exported.providers ?? (exported.default as { providers?: unknown } | undefined)?.providers;
    if (Array.isArray(declared)) {
      if (declared.includes(name)) return mod;
      continue;
    }
    let source = '';
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const literal = new RegExp(`(['"\`])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`);
    if (/provider\s*\.\s*name|provider\?\.name/.test(source) && literal.test(source)) return mod;
  }
  return undefined;
}

// A plugin entry as a file: a path relative to the stack file, or a package resolved from its folder.
function resolvePlugin(mod: string, configDir: string): string | undefined {
  if (mod.startsWith('.') || path.isAbsolute(mod)) return path.resolve(configDir, mod);
  try {
    return resolvePackage(mod, configDir);
  } catch {
    return undefined;
  }
}
