// `pctl dev [SERVICE...]`: deploy, then sync or redeploy as files change, with the services'
// logs and port-forwards, until Ctrl-C (which leaves the stack running).
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { withBuildFlags } from './buildFlags.js';

interface DevFlags {
  logs?: boolean;
  forward?: boolean;
  sync?: boolean;
}

// Adds `dev` to the program.
export function registerDev(program: Command, inv: Invocation): void {
  withBuildFlags(
    program
      .command('dev')
      .description(
        'deploy, then sync or redeploy the services as their files and the stack file change, with their logs (Ctrl-C stops; the stack stays up)',
      )
      .argument('[services...]', 'only these services (default: all)')
      .option('--no-logs', 'do not stream the logs of the watched services')
      .option('--no-forward', 'do not forward the ports of the watched services')
      .option('--no-sync', 'redeploy on every change, even one a COPY pair could sync'),
  ).action(async (services: string[], o: DevFlags, cmd: Command) => {
    const core = await loadCore();
    inv.interrupts.setWatching(true);
    const so = await inv.sessionOptions(cmd);
    const event = inv.sink.events();
    const summary = await core.runDev(
      { ...so, only: services, logs: o.logs !== false, forward: o.forward !== false, sync: o.sync !== false },
      {
        event,
        line: inv.sink.lines({ timestamps: false }),
        replica: (service, e) =>
          event({
            event: e.event === 'added' ? 'replicaAdded' : 'replicaGone',
            service,
            replica: e.replica,
            ...(e.detail ? { detail: e.detail } : {}),
            text: `${service}/${e.replica} ${e.event === 'added' ? 'appeared' : 'went away'}${e.detail ? `: ${e.detail}` : ''}`,
          }),
      },
    );
    inv.sink.result({ dev: summary });
    inv.sink.note(
      `dev stopped after ${summary.deploys} deploy${summary.deploys === 1 ? '' : 's'} (${summary.failedDeploys} failed) and ${summary.syncs} sync${summary.syncs === 1 ? '' : 's'}; the stack is still running (pctl destroy removes it)`,
    );
  });
}
