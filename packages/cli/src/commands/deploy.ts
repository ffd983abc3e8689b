// `pctl deploy`: build and deploy the changed services, report per service, fail with the run's error.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { withBuildFlags } from './buildFlags.js';
import { finishRun } from './finishRun.js';

// Adds `deploy` to the program.
export function registerDeploy(program: Command, inv: Invocation): void {
  withBuildFlags(
    program
      .command('deploy')
      .description('build and deploy the stack (changed services only)')
      .argument('[services...]', 'only these services'),
  ).action(async (services: string[], _o, cmd: Command) => {
    const core = await loadCore();
    finishRun(inv, await core.runDeploy({ ...(await inv.sessionOptions(cmd)), only: services }));
  });
}
