// `pctl validate`: everything plan would refuse, found without touching state or platforms:
// the stack file, a key another stack in the folder owns, then its providers (names,
// modules, options), each issue with file:line.
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadedProvider } from '@pctl/core';
import { loadCore, type Invocation } from '../invocation.js';
import { builtinProviders } from '../providers.js';

// Adds `validate` to the program.
export function registerValidate(program: Command, inv: Invocation): void {
  program
    .command('validate')
    .description('check the stack file and its providers, and report every error')
    .action(async (_o, cmd: Command) => {
      const core = await loadCore();
      const o = inv.globals(cmd);
      const loaded = await core.loadStack({ configPath: o.config, cwd: process.cwd(), nameOverride: o.name, signal: inv.interrupt });
      inv.learnSecrets(loaded);
      const file = path.relative(process.cwd(), loaded.configPath) || loaded.configPath;
      core.checkArguments(loaded.config, file);
      // A key another stack's state file in this folder holds (reading it touches nothing).
      await core.refuseKeyCollisions(process.cwd(), loaded.config, file, loaded.lineOf);
      const cache = new Map<string, Promise<LoadedProvider>>();
      const load = (name: string) => {
        if (!cache.has(name)) cache.set(name, core.loadProvider(name, loaded, builtinProviders));
        return cache.get(name)!;
      };
      await core.requireValidProviders(loaded, process.cwd(), load);
      const services = Object.keys(loaded.config.services);
      inv.sink.result({ stack: loaded.config.name, configFile: loaded.configPath, serviceNames: services }, () => `${loaded.configPath}: valid (stack ${loaded.config.name}, ${services.length} service${services.length === 1 ? '' : 's'})\n`);
    });
}
