// `pctl logs`: the lines of every replica of the named services (all when none is named).
import type { Command } from 'commander';
import { usageError } from './commandLine.js';
import { loadCore, type Invocation } from '../invocation.js';

interface LogsFlags {
  follow?: boolean;
  since?: string;
  tail?: string;
  previous?: boolean;
  timestamps?: boolean;
}

// Adds `logs` to the program.
export function registerLogs(program: Command, inv: Invocation): void {
  program
    .command('logs')
    .description('show the log lines of every replica of the services (-f follows, Ctrl-C stops)')
    .argument('[services...]', 'only these services (default: every deployed one)')
    .option('-f, --follow', 'keep streaming, including replicas that start later')
    .option('--since <when>', 'only lines since a duration ago (10m, 1h) or an RFC 3339 time')
    .option('--tail <n>', 'only the last N lines of each replica')
    .option('--previous', "the lines of each restarted replica's previous run")
    .option('--timestamps', 'show the time of each line')
    .action(async (services: string[], o: LogsFlags, cmd: Command) => {
      const core = await loadCore();
      const bad = usageError(core, 'run pctl logs --help for usage');
      const since = o.since === undefined ? undefined : core.parseSince(o.since);
      if (o.since !== undefined && !since)
        throw bad(
          `--since must be a duration (10m, 1h30m) or an RFC 3339 time (2026-01-02T15:04:05Z), got ${JSON.stringify(o.since)}`,
        );
      const tail = o.tail === undefined ? undefined : /^\d+$/.test(o.tail.trim()) ? Number(o.tail) : NaN;
      if (tail !== undefined && !Number.isSafeInteger(tail))
        throw bad(`--tail must be a number of lines (0 or more), got ${JSON.stringify(o.tail)}`);
      const follow = Boolean(o.follow) && !o.previous;
      inv.interrupts.setWatching(follow);
      const so = await inv.sessionOptions(cmd);
      const r = await core.runLogs(
        { ...so, only: services, follow, since, tail, previous: Boolean(o.previous) },
        {
          line: inv.sink.lines({ timestamps: Boolean(o.timestamps) }),
          replica: (service, e) =>
            inv.sink.note(
              `${service}/${e.replica} ${e.event === 'added' ? 'appeared' : 'went away'}${e.detail ? `: ${e.detail}` : ''}`,
            ),
        },
      );
      inv.sink.result({ serviceNames: r.services });
    });
}
