// `pctl rollback [SERVICE...] [--to N]`: deploy an earlier release again (no build), recorded as a new release.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { positiveInt } from '../flags.js';
import { finishRun } from './finishRun.js';

// Adds `rollback` to the program.
export function registerRollback(program: Command, inv: Invocation): void {
  program
    .command('rollback')
    .description(
      'deploy an earlier release again, without building: its image and settings, secrets resolved again from the stack file',
    )
    .argument('[services...]', 'only these services (default: every service with an earlier release)')
    .option(
      '--to <n>',
      'the release number to go back to (see `pctl history SERVICE`; one service only); default: the last release that differs from what runs',
    )
    .action(async (services: string[], o: { to?: string }, cmd: Command) => {
      const to = o.to === undefined ? undefined : positiveInt('--to', o.to, 1);
      const core = await loadCore();
      finishRun(inv, await core.runRollback({ ...(await inv.sessionOptions(cmd)), only: services, to }));
    });
}
