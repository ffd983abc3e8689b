// `pctl sync`: copy changed files into running containers.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';

// Adds `sync` to the program.
export function registerSync(program: Command, inv: Invocation): void {
  program
    .command('sync')
    .description('copy the folders Dockerfiles COPY into running containers as they change (Ctrl-C stops)')
    .argument('[services...]', 'only these services')
    .option('--once', 'sync what differs now and exit')
    .action(async (services: string[], o: { once?: boolean }, cmd: Command) => {
      const core = await loadCore();
      inv.interrupts.setWatching(!o.once);
      const so = await inv.sessionOptions(cmd);
      const rounds = await core.runSync({ ...so, only: services, once: Boolean(o.once) }, (r) => {
        const what = [
          r.files ? `${r.files} file${r.files === 1 ? '' : 's'}` : '',
          r.deleted ? `${r.deleted} removal${r.deleted === 1 ? '' : 's'}` : '',
        ]
          .filter(Boolean)
          .join(' and ');
        so.reporter.info(`synced ${what} to ${r.containers.join(', ')}`, r.key, core.Events.Synced);
      });
      inv.sink.result({ rounds });
      if (!o.once) inv.sink.note('sync stopped');
    });
}
