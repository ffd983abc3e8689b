// `pctl destroy`: remove what the stack created, report per service, fail with the run's error.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { finishRun } from './finishRun.js';

// Adds `destroy` to the program.
export function registerDestroy(program: Command, inv: Invocation): void {
  program
    .command('destroy')
    .description('remove everything the stack created; entries stay in state marked destroyed')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      finishRun(inv, await core.runDestroy({ ...(await inv.sessionOptions(cmd)), only: services }));
    });
}
