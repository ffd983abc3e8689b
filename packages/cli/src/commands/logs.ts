// `pctl logs`: the lines of every replica of the named services (all when none is named).
import type { Command } from 'commander';
import type { LogRecord } from '@pctl/core';
import { loadCore, type Invocation } from '../invocation.js';
import { formatLine, jsonLine, type LineFormat } from '../logFormat.js';

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
      const bad = (message: string) => new core.PctlError({ code: 'BadUsage', message, fault: 'user', exitCode: 2, hint: 'run pctl logs --help for usage' });
      const since = o.since === undefined ? undefined : core.parseSince(o.since);
      if (o.since !== undefined && !since) throw bad(`--since must be a duration (10m, 1h30m) or an RFC 3339 time (2026-01-02T15:04:05Z), got ${JSON.stringify(o.since)}`);
      const tail = o.tail === undefined ? undefined : /^\d+$/.test(o.tail.trim()) ? Number(o.tail) : NaN;
      if (tail !== undefined && !Number.isSafeInteger(tail)) throw bad(`--tail must be a number of lines (0 or more), got ${JSON.stringify(o.tail)}`);
      const follow = Boolean(o.follow) && !o.previous;
      inv.interrupts.setWatching(follow);
      const so = await inv.sessionOptions(cmd);
      const print = lineWriter(inv, { timestamps: Boolean(o.timestamps), colour: !inv.json && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, width: 0 });
      const r = await core.runLogs({ ...so, only: services, follow, since, tail, previous: Boolean(o.previous) }, {
        line: print,
        replica: (service, e) => process.stderr.write(`${service}/${e.replica} ${e.event === 'added' ? 'appeared' : 'went away'}${e.detail ? `: ${e.detail}` : ''}\n`),
      });
      inv.doc.serviceNames = r.services;
    });
}

// Writes each line: as JSON under --json, else prefixed (coloured through the raw stream on a terminal).
function lineWriter(inv: Invocation, f: LineFormat): (r: LogRecord) => void {
  if (inv.json) return (r) => inv.stdout(jsonLine(inv.maskDeep(r)));
  let width = 0;
  return (r) => {
    width = Math.max(width, r.service.length + 1 + r.replica.length);
    const text = formatLine(r, { ...f, width }, (t) => inv.clean(t));
    if (f.colour && inv.rawStdout) inv.rawStdout(text);
    else inv.stdout(text);
  };
}
