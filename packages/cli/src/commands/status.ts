// `pctl status`: the state file next to what really runs.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { statusTable } from '../render.js';

// Adds `status` to the program.
export function registerStatus(program: Command, inv: Invocation): void {
  program
    .command('status')
    .description('state next to what is really running')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      const s = await core.runStatus({ ...(await inv.sessionOptions(cmd)), only: services });
      inv.sink.result({ stack: s.stack, stateFile: s.stateFile, status: s.rows }, () => statusTable(s.rows) + '\n');
    });
}
