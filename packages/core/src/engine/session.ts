// Everything one pctl run shares: the loaded stack, providers, the provider context.
import path from 'node:path';
import type { LegacyProviderFunction, ProviderContext, ProviderV1, RunFlags } from '../contract.js';
import { PctlError } from '../errors.js';
import type { Exec } from '../exec.js';
import type { Reporter } from '../reporter.js';
import { loadStack, type LoadedStack } from '../config/index.js';
import { guardProvider } from './guard.js';
import { argumentIssues } from './arguments.js';
import { refuseKeyCollisions } from './collisions.js';

export type LoadedProvider =
  | { kind: 'v1'; provider: ProviderV1; source?: string }
  | { kind: 'legacy'; name: string; fn: LegacyProviderFunction; source?: string };

/** Resolves a provider name to its implementation (the CLI knows the built-ins). */
export type ProviderLoader = (name: string, stack: LoadedStack) => Promise<LoadedProvider>;

export interface SessionOptions {
  configPath: string;
  cwd: string;
  nameOverride?: string;
  reporter: Reporter;
  exec: Exec;
  /** Aborted on the first interrupt: no new work starts. */
  signal: AbortSignal;
  verbose: boolean;
  flags: RunFlags;
  concurrency: number;
  wait: boolean;
  loadProvider: ProviderLoader;
  env?: NodeJS.ProcessEnv;
  /** Limit for each provider step (deploy, destroy, status, ...); default 30 minutes. */
  stepTimeoutMs?: number;
}

export interface Session {
  loaded: LoadedStack;
  ctx: ProviderContext;
  opts: SessionOptions;
  providers: Map<string, LoadedProvider>;
  provider(name: string): Promise<LoadedProvider>;
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  const loaded = await loadStack({ configPath: path.resolve(opts.cwd, opts.configPath), cwd: opts.cwd, nameOverride: opts.nameOverride, env: opts.env, signal: opts.signal });
  const ctx: ProviderContext = {
    stack: loaded.config.name,
    config: loaded.config,
    configPath: loaded.configPath,
    configDir: loaded.configDir,
    cwd: opts.cwd,
    reporter: opts.reporter,
    exec: opts.exec,
    // Providers are not interrupted mid-step: a first Ctrl-C only stops new work (the
    // engine watches opts.signal); a second one exits the process.
    signal: new AbortController().signal,
    verbose: opts.verbose,
    flags: opts.flags,
    secrets: loaded.secrets,
  };
  await refuseKeyCollisions(opts.cwd, loaded.config, path.relative(opts.cwd, loaded.configPath) || loaded.configPath);
  const providers = new Map<string, LoadedProvider>();
  const session: Session = {
    loaded,
    ctx,
    opts,
    providers,
    provider: async (name) => {
      let p = providers.get(name);
      if (!p) {
        const raw = await opts.loadProvider(name, loaded);
        p = guardProvider(raw, { source: raw.source, timeoutMs: opts.stepTimeoutMs });
        providers.set(name, p);
      }
      return p;
    },
  };
  // Load every provider the config names now, so an unknown one fails before anything runs.
  const problems: string[] = argumentIssues(loaded.config);
  for (const [svcName, svc] of Object.entries(loaded.config.services)) {
    try {
      const p = await session.provider(svc.provider.name);
      if (!svc.image && !svc.build && !(p.kind === 'v1' && p.provider.render)) {
        problems.push(`services.${svcName}.image: provider ${svc.provider.name} needs an image (only Kubernetes providers deploy manifests alone)`);
      }
      if (p.kind === 'v1' && p.provider.validateOptions) {
        for (const issue of p.provider.validateOptions(svc.provider.options ?? {})) {
          problems.push(`services.${svcName}.provider.options${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`);
        }
      }
    } catch (e) {
      if (e instanceof PctlError && e.code === 'UnknownProvider') problems.push(`services.${svcName}.provider.name: ${e.message}`);
      else throw e;
    }
  }
  if (problems.length) {
    const file = path.relative(opts.cwd, loaded.configPath) || loaded.configPath;
    throw new PctlError({
      code: 'InvalidConfig',
      message: `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} errors: ${problems[0]} (and ${problems.length - 1} more)`}`,
      fault: 'user',
      detail: problems.join('\n'),
    });
  }
  return session;
}

// The v1 provider for a name, or an error if it is a legacy function (which cannot act per service).
export function requireV1(p: LoadedProvider, name: string): ProviderV1 {
  if (p.kind === 'v1') return p.provider;
  throw new PctlError({ code: 'LegacyProvider', message: `provider ${name} is a bare function: it manages its own services and state`, fault: 'user' });
}

// Service names given on the command line must exist in the stack file.
export function requireKnownServices(session: Session, names: readonly string[] | undefined): void {
  const services = session.loaded.config.services;
  const unknown = (names ?? []).filter((n) => !services[n]);
  if (unknown.length) {
    throw new PctlError({ code: 'UnknownService', message: `no service ${unknown.join(', ')} in ${session.ctx.configPath}`, fault: 'user', hint: `services: ${Object.keys(services).join(', ')}` });
  }
}
