// Everything about a stack's providers that plan would refuse, as config issues with
// file:line: unknown names, modules that fail to load, option errors, a missing image.
// `pctl validate` and every session run the same check.
import path from 'node:path';
import { ConfigError, type ConfigIssue, type LoadedStack } from '../config/load.js';
import { isPctlError } from '../errors.js';
import { registeredModule } from './load.js';
import type { LoadedProvider } from './types.js';

const PROVIDER_LOAD_CODES = new Set(['UnknownProvider', 'ProviderLoadFailed', 'ProviderInvalid', 'ProviderApiVersion']);

// Loads each provider the stack names (through `load`, which caches) and lists the issues.
// `namesOnly`: only names and modules (before plugins run, which may still fill in options).
export async function providerIssues(
  loaded: LoadedStack,
  load: (name: string) => Promise<LoadedProvider>,
  opts: { namesOnly?: boolean } = {},
): Promise<ConfigIssue[]> {
  const issues: ConfigIssue[] = [];
  const lineOf = loaded.lineOf ?? (() => undefined);
  const failed = new Map<string, string>();
  for (const [svcName, svc] of Object.entries(loaded.config.services)) {
    const name = svc.provider.name;
    const at = (...p: (string | number)[]) => ({
      path: ['services', svcName, ...p].join('.'),
      line: lineOf(['services', svcName, ...p]) ?? lineOf(['services', svcName]),
    });
    if (failed.has(name)) {
      issues.push({ ...at('provider', 'name'), message: failed.get(name)! });
      continue;
    }
    let p: LoadedProvider;
    try {
      p = await load(name);
    } catch (e) {
      if (!isPctlError(e) || !PROVIDER_LOAD_CODES.has(e.code)) throw e;
      const message = e.oneLine();
      failed.set(name, message);
      // A module registered under `providers:` is reported there, where the fix goes.
      const registered = registeredModule(loaded, name) !== undefined;
      issues.push(
        registered
          ? { path: `providers.${name}`, line: lineOf(['providers', name]), message }
          : { ...at('provider', 'name'), message },
      );
      continue;
    }
    if (p.kind !== 'v1' || opts.namesOnly) continue;
    if (!svc.image && !svc.build && !p.provider.render) {
      issues.push({
        ...at('image'),
        message: `provider ${name} needs an image (only Kubernetes providers deploy manifests alone)`,
      });
    }
    for (const issue of p.provider.validateService?.(svc) ?? []) {
      const sub = issue.path.map((x) => (typeof x === 'symbol' ? String(x) : x));
      issues.push({ ...at(...sub), message: issue.message });
    }
    if (p.provider.validateOptions) {
      for (const issue of p.provider.validateOptions(svc.provider.options ?? {})) {
        const sub = issue.path.map((x) => (typeof x === 'symbol' ? String(x) : x));
        issues.push({
          path: ['services', svcName, 'provider', 'options', ...sub].join('.'),
          line:
            lineOf(['services', svcName, 'provider', 'options', ...sub]) ?? lineOf(['services', svcName, 'provider']),
          message: issue.message,
        });
      }
    }
  }
  // The same message for a module reported once per service using it is noise: keep one at providers.<name>.
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}|${i.message}`;
    return !seen.has(k) && (seen.add(k), true);
  });
}

// Throws one ConfigError carrying every provider issue of the stack.
export async function requireValidProviders(
  loaded: LoadedStack,
  cwd: string,
  load: (name: string) => Promise<LoadedProvider>,
  earlier: ConfigIssue[] = [],
  opts: { namesOnly?: boolean } = {},
): Promise<void> {
  // Each in the file its value is written in (an included one), tagged with the environment.
  const issues = [...earlier, ...(await providerIssues(loaded, load, opts))].map((i) => {
    const file = i.file ?? (i.path ? loaded.fileOf?.(i.path.split('.')) : undefined);
    return {
      ...i,
      ...(file ? { file } : {}),
      ...(loaded.environment !== undefined ? { environment: loaded.environment } : {}),
    };
  });
  if (issues.length) throw new ConfigError(path.relative(cwd, loaded.configPath) || loaded.configPath, issues);
}
