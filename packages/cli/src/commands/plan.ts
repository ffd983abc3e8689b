// `pctl plan`: what deploy would create, update, skip and remove, touching nothing.
// `--exit-code` (Terraform's -detailed-exitcode): 0 nothing would change, 2 something would, 1 an error.
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
    .option('--exit-code', 'exit 0 when nothing would change, 2 when something would, 1 on any error (for CI)')
    .action(async (services: string[], o: { exitCode?: boolean }, cmd: Command) => {
      const core = await loadCore();
      const result = await core.runPlan({ ...(await inv.sessionOptions(cmd)), only: services });
      const changes = result.services.filter((s) => s.action !== 'unchanged').length;
      inv.sink.result({ ...runResultJson(result), ...(o.exitCode ? { changes } : {}) }, () => planTable(result) + '\n');
      if (o.exitCode) inv.sink.exitWith(changes ? 2 : 0, false);
    });
}
