// `pctl plan`: what deploy would create, update, skip and remove, touching nothing.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { planTable } from '../render.js';
import { runResultJson } from './runResultJson.js';

// Adds `plan` to the program.
export function registerPlan(program: Command, inv: Invocation): void {
  program
    .command('plan')
    .description('show what deploy would create, update, skip and remove, without doing it')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      const result = await core.runPlan({ ...(await inv.sessionOptions(cmd)), only: services });
      inv.sink.result(runResultJson(result), () => planTable(result) + '\n');
    });
}
