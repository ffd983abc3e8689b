// `pctl port-forward SERVICE [LOCAL:]REMOTE...`: local ports reaching a running replica
// until Ctrl-C.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { replicaNumber, usageError } from './commandLine.js';

// Adds `port-forward` to the program.
export function registerPortForward(program: Command, inv: Invocation): void {
  program
    .command('port-forward')
    .description("forward local ports to a running replica of a service (default: the service's ports; Ctrl-C stops)")
    .argument('<service>', 'the service')
    .argument('[ports...]', '[LOCAL:]REMOTE, e.g. 8080:80, 5432, or :80 for any free local port')
    .option('--replica <n>', 'the replica to reach (default: the first running one)')
    .action(async (service: string, ports: string[], o: { replica?: string }, cmd: Command) => {
      const core = await loadCore();
      const replica = replicaNumber(
        o.replica,
        usageError(core, `usage: pctl port-forward ${service} [--replica N] [[LOCAL:]REMOTE...]`),
      );
      inv.interrupts.setWatching(true);
      const so = await inv.sessionOptions(cmd);
      const forwards = await core.runPortForward({
        ...so,
        service,
        ports,
        replica,
        onReady: (all) => {
          for (const f of all)
            inv.sink.live(`forwarding 127.0.0.1:${f.local} -> ${f.service}/${f.replica}:${f.remote}`);
        },
        onConnectionError: (f, e) =>
          inv.sink.warning(`${f.service}: a connection to port ${f.remote} failed: ${e.message}`),
      });
      inv.sink.result({ forwards });
      inv.sink.note('port-forward stopped');
    });
}
