// `pctl validate`: everything plan would refuse, found without touching state or platforms:
// the stack file, then its providers (names, modules, options), each issue with file:line.
import path from 'node:path';
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';

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
      core.checkArguments(loaded.config, path.relative(process.cwd(), loaded.configPath) || loaded.configPath);
      const { loadProvider } = await import('../providers.js');
      const cache = new Map<string, Promise<Awaited<ReturnType<typeof loadProvider>>>>();
      const load = (name: string) => {
        if (!cache.has(name)) cache.set(name, loadProvider(name, loaded));
        return cache.get(name)!;
      };
      await core.requireValidProviders(loaded, process.cwd(), load);
      const services = Object.keys(loaded.config.services);
      Object.assign(inv.doc, { stack: loaded.config.name, configFile: loaded.configPath, serviceNames: services });
      if (!inv.json) inv.stdout(`${loaded.configPath}: valid (stack ${loaded.config.name}, ${services.length} service${services.length === 1 ? '' : 's'})\n`);
    });
}
