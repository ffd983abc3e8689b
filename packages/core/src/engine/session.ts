// Everything one pctl run shares: the loaded stack, providers, the provider context.
import path from 'node:path';
import type { ProviderContext, ProviderV1, RunFlags } from '../contract.js';
import { closestName } from '../closestName.js';
import { PctlError } from '../errors.js';
import type { Exec } from '../exec.js';
import type { Reporter } from '../reporter.js';
import { loadStack, type LoadedStack } from '../config/index.js';
import { requireValidProviders } from '../providers/check.js';
import { hostProviders, providerLoader, type HostOptions } from '../providers/host.js';
import type { BuiltinProviders, LoadedProvider } from '../providers/types.js';
import { argumentIssues } from './arguments.js';
import { refuseKeyCollisions } from './collisions.js';

export interface SessionOptions {
  configPath: string;
  cwd: string;
  nameOverride?: string;
  /** Where nameOverride came from (`--name` or `PCTL_NAME`), for its issues. */
  nameSource?: string;
  /** The environment to compose (`--env` / `PCTL_ENV`). */
  environment?: string;
  reporter: Reporter;
  exec: Exec;
  /** Aborted on the first interrupt: no new work starts. */
  signal: AbortSignal;
  verbose: boolean;
  flags: RunFlags;
  concurrency: number;
  /** False with `--no-wait`: a held lock fails at once whatever lockTimeoutMs says. */
  wait: boolean;
  /** How long to wait for a held lock (`--lock-timeout`); 0, the default, fails at once. */
  lockTimeoutMs?: number;
  /** The built-in providers (the CLI's table): name -> () => import(package). */
  builtinProviders: BuiltinProviders;
  /** Called with a stack before any of its providers loads: the caller masks its secrets from then on. */
  learnSecrets?: (stack: LoadedStack) => void;
  env?: NodeJS.ProcessEnv;
  /** `--state URL` / PCTL_STATE: where the state lives, over the stack file's `state:`. */
  stateUrl?: string;
  /** Limit for each provider step (deploy, destroy, status, ...); default 30 minutes. */
  stepTimeoutMs?: number;
}

export interface Session {
  loaded: LoadedStack;
  ctx: ProviderContext;
  opts: SessionOptions;
  providers: Map<string, LoadedProvider>;
  provider(name: string): Promise<LoadedProvider>;
  /** The v1 provider for a name, guarded; a bare function (which cannot act per service) is refused. */
  v1(name: string): Promise<ProviderV1>;
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  const hosting: HostOptions = {
    builtins: opts.builtinProviders,
    learnSecrets: opts.learnSecrets,
    stepTimeoutMs: opts.stepTimeoutMs,
  };
  const load = providerLoader(hosting);
  const early = new Map<string, Promise<LoadedProvider>>();
  // Before a plugin runs (a bare provider under `plugin:` deploys as it runs): an unknown
  // provider name, a module that fails to load, or a key another stack owns stops the run.
  const beforePlugins = async (stack: LoadedStack) => {
    await refuseKeyCollisions(
      opts.cwd,
      stack.config,
      path.relative(opts.cwd, stack.configPath) || stack.configPath,
      stack.lineOf,
    );
    await requireValidProviders(
      stack,
      opts.cwd,
      (name) => {
        if (!early.has(name)) early.set(name, load(name, stack));
        return early.get(name)!;
      },
      [],
      { namesOnly: true },
    );
  };
  const loaded = await loadStack({
    configPath: path.resolve(opts.cwd, opts.configPath),
    cwd: opts.cwd,
    nameOverride: opts.nameOverride,
    nameSource: opts.nameSource,
    environment: opts.environment,
    env: opts.env,
    signal: opts.signal,
    beforePlugins,
  });
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
  await refuseKeyCollisions(
    opts.cwd,
    loaded.config,
    path.relative(opts.cwd, loaded.configPath) || loaded.configPath,
    loaded.lineOf,
  );
  const host = hostProviders(loaded, hosting);
  const session: Session = { loaded, ctx, opts, providers: host.loaded, provider: host.provider, v1: host.v1 };
  // Load every provider the config names now, so an unknown one fails before anything runs.
  // Every issue plan would refuse, with file:line: arguments, then providers.
  const lineOf = loaded.lineOf ?? (() => undefined);
  const argIssues = argumentIssues(loaded.config).map((text) => {
    const at = text.indexOf(': ');
    const p = text.slice(0, at);
    return { path: p, line: lineOf(p.split('.')), message: text.slice(at + 2) };
  });
  await requireValidProviders(loaded, opts.cwd, session.provider, argIssues);
  return session;
}

// Service names given on the command line must exist in the stack file (exit 2, with
// the closest name when one is near).
export function requireKnownServices(session: Session, names: readonly string[] | undefined): void {
  const known = Object.keys(session.loaded.config.services);
  const unknown = (names ?? []).filter((n) => !Object.prototype.hasOwnProperty.call(session.loaded.config.services, n));
  if (!unknown.length) return;
  const near = closestName(unknown[0]!, known);
  const file = path.relative(session.opts.cwd, session.ctx.configPath) || session.ctx.configPath;
  throw new PctlError({
    code: 'UnknownService',
    message: `no service ${unknown.map((n) => JSON.stringify(n)).join(', ')} in ${file}${near ? ` (did you mean "${near}"?)` : ''}`,
    fault: 'user',
    exitCode: 2,
    hint: `services: ${known.join(', ') || '(none)'}`,
  });
}
