// `pctl validate`: everything plan would refuse, found without touching state or platforms:
// the stack file, a key another stack in the folder owns, then its providers (names,
// modules, options), each issue with file:line. `--env all` checks every environment and
// reports the issues of all of them at once, each tagged with its environment.
import path from 'node:path';
import type { Command } from 'commander';
import type { ConfigIssue, LoadedProvider, LoadedStack } from '@pctl/core';
import { flagLabel } from '../flags.js';
import { loadCore, type Invocation } from '../invocation.js';
import { builtinProviders } from '../providers.js';

// Adds `validate` to the program.
export function registerValidate(program: Command, inv: Invocation): void {
  program
    .command('validate')
    .description('check the stack file and its providers, and report every error (--env all: every environment)')
    .action(async (_o, cmd: Command) => {
      const core = await loadCore();
      const o = inv.globals(cmd);
      const cwd = process.cwd();
      // One environment (or none: the base stack), loaded and checked as a run would.
      const check = async (environment: string | undefined): Promise<LoadedStack> => {
        const loaded = await core.loadStack({
          configPath: o.config,
          cwd,
          nameOverride: o.name,
          nameSource: flagLabel(cmd, 'name', '--name'),
          environment,
          signal: inv.interrupt,
        });
        inv.learnSecrets(loaded);
        const file = path.relative(cwd, loaded.configPath) || loaded.configPath;
        core.checkArguments(loaded.config, file);
        // A key another stack's state file in this folder holds (reading it touches nothing).
        await core.refuseKeyCollisions(cwd, loaded.config, file, loaded.lineOf);
        const cache = new Map<string, Promise<LoadedProvider>>();
        const load = (name: string) => {
          if (!cache.has(name)) cache.set(name, core.loadProvider(name, loaded, builtinProviders));
          return cache.get(name)!;
        };
        await core.requireValidProviders(loaded, cwd, load);
        return loaded;
      };
      const env = o.env || undefined;
      if (env !== core.ALL_ENVIRONMENTS) {
        const loaded = await check(env);
        const services = Object.keys(loaded.config.services);
        const others = (loaded.environments ?? []).filter((n) => n !== env);
        inv.sink.result(
          {
            stack: loaded.config.name,
            configFile: loaded.configPath,
            serviceNames: services,
            ...(env ? { environment: env } : {}),
          },
          () => ({
            stdout: `${loaded.configPath}: valid (${env ? `environment ${env}, ` : ''}stack ${loaded.config.name}, ${services.length} service${services.length === 1 ? '' : 's'})\n`,
            ...(others.length
              ? {
                  stderr: `not checked: environment${others.length === 1 ? '' : 's'} ${others.join(', ')} (pctl validate --env all checks every one)`,
                }
              : {}),
          }),
        );
        return;
      }
      const names = await core.listEnvironments({ configPath: o.config, cwd });
      if (!names.length) {
        // The base stack's own errors first; a valid one with no environments has nothing to check.
        const loaded = await check(undefined);
        const file = path.relative(cwd, loaded.configPath) || loaded.configPath;
        throw new core.PctlError({
          code: 'UnknownEnvironment',
          message: `${file} defines no environments, so --env all checks nothing`,
          fault: 'user',
          exitCode: 2,
          hint: 'add an environments: map to the stack file, or run pctl validate without --env',
        });
      }
      // Every environment, every issue of each: one error at the end carries them all.
      const issues: ConfigIssue[] = [];
      const valid: { environment: string; stack: string; serviceNames: string[] }[] = [];
      let file = o.config;
      for (const name of names) {
        try {
          const loaded = await check(name);
          file = path.relative(cwd, loaded.configPath) || loaded.configPath;
          valid.push({
            environment: name,
            stack: loaded.config.name,
            serviceNames: Object.keys(loaded.config.services),
          });
        } catch (e) {
          if (!(e instanceof core.ConfigError)) throw e;
          file = e.file;
          issues.push(...e.issues.map((i) => ({ ...i, environment: i.environment ?? name })));
        }
      }
      if (issues.length) throw new core.ConfigError(file, issues);
      inv.sink.result({ configFile: path.resolve(cwd, o.config), environments: valid }, () =>
        valid
          .map(
            (v) =>
              `${path.resolve(cwd, o.config)}: valid (environment ${v.environment}, stack ${v.stack}, ${v.serviceNames.length} service${v.serviceNames.length === 1 ? '' : 's'})\n`,
          )
          .join(''),
      );
    });
}
