// `pctl deploy` and `pctl destroy`: run the engine, report per service, fail with its error.
import type { Command } from 'commander';
import type { RunResult } from '@pctl/core';
import { loadCore, type Invocation } from '../invocation.js';
import { runResultJson } from './runResultJson.js';
import { summarize } from '../render.js';

// The build flags deploy and build share.
export function withBuildFlags(cmd: Command): Command {
  return cmd
    .option('-b, --force-build', 'rebuild images even when their inputs did not change')
    .option('--build-sequential', 'build images one at a time')
    .option('--build-concurrency <n>', 'images built at once (default: number of cores)')
    .option('--skip-push', 'do not push images to registries');
}

// Records a deploy or destroy result; its error (if any) becomes the command's error.
function finish(inv: Invocation, result: RunResult): void {
  Object.assign(inv.doc, runResultJson(result));
  process.stderr.write(inv.mask(summarize(result)) + '\n');
  if (result.error) throw result.error;
}

// Adds `deploy` and `destroy` to the program.
export function registerDeploy(program: Command, inv: Invocation): void {
  withBuildFlags(program.command('deploy').description('build and deploy the stack (changed services only)').argument('[services...]', 'only these services')).action(
    async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      finish(inv, await core.runDeploy({ ...(await inv.sessionOptions(cmd)), only: services }));
    },
  );

  program
    .command('destroy')
    .description('remove everything the stack created; entries stay in state marked destroyed')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      finish(inv, await core.runDestroy({ ...(await inv.sessionOptions(cmd)), only: services }));
    });
}
