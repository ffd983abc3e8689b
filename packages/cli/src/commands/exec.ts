// `pctl exec SERVICE -- COMMAND [ARG...]`: runs a command in one running replica and exits
// with its exit code; its output reaches stdout and stderr byte for byte.
import type { Command } from 'commander';
import type { ExecTerminal } from '@pctl/core';
import { loadCore, type Invocation } from '../invocation.js';
import { errorJson } from '../jsonOutput.js';

interface ExecFlags {
  replica?: string;
  interactive?: boolean;
  tty?: boolean;
}

// Adds `exec` to the program.
export function registerExec(program: Command, inv: Invocation): void {
  program
    .command('exec')
    .description('run a command in a running replica of a service and exit with its exit code')
    .usage('[options] SERVICE -- COMMAND [ARG...]')
    .argument('<service>', 'the service')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--replica <n>', 'the replica to run in (default: the first ready one)')
    .option('-i, --interactive', 'pass stdin to the command')
    .option('-t, --tty', 'allocate a terminal (and forward its size changes)')
    // A command's own options given without `--` (`pctl exec web ls -l`) reach the action, which says to add it.
    .allowUnknownOption()
    .action(async (service: string, command: string[], o: ExecFlags, cmd: Command) => {
      const core = await loadCore();
      const bad = (message: string) =>
        new core.PctlError({
          code: 'BadUsage',
          message,
          fault: 'user',
          exitCode: 2,
          hint: `usage: pctl exec ${service} [--replica N] [-i] [-t] -- COMMAND [ARG...]`,
        });
      // Everything after `--` is the command, never pctl's options: `--` is required.
      const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const dashes = raw.indexOf('--');
      if (dashes < 0)
        throw bad(
          command.length
            ? `put -- before the command: pctl exec ${service} -- ${command.join(' ')}`
            : 'no command: give it after --',
        );
      const after = raw.slice(dashes + 1);
      if (!after.length) throw bad('no command after --');
      if (command.length !== after.length)
        throw bad(
          `only the service goes before --, got ${JSON.stringify(command.slice(0, command.length - after.length).filter((a) => a !== '--'))} too`,
        );
      const replica =
        o.replica === undefined
          ? undefined
          : /^\d+$/.test(o.replica) && Number(o.replica) >= 1
            ? Number(o.replica)
            : NaN;
      if (Number.isNaN(replica))
        throw bad(`--replica must be a replica number (1, 2, ...), got ${JSON.stringify(o.replica)}`);
      inv.interrupts.setWatching(true);
      const so = await inv.sessionOptions(cmd);
      const restore = o.tty && o.interactive ? rawTerminal() : () => undefined;
      try {
        const r = await core.runExec({
          ...so,
          service,
          command: after,
          replica,
          stdin: o.interactive ? process.stdin : undefined,
          stdout: inv.sink.passthrough('stdout'),
          stderr: inv.sink.passthrough('stderr'),
          tty: o.tty ? terminal() : undefined,
        });
        inv.sink.exitWith(r.exitCode);
        // Under --json a failed command is a failed run: the document says why (not printed otherwise).
        const failed =
          r.exitCode === 0
            ? {}
            : {
                error: errorJson(
                  new core.PctlError({
                    code: 'CommandFailed',
                    message: `${JSON.stringify(after[0])} exited with code ${r.exitCode} in ${r.service}/${r.replica}`,
                    fault: 'user',
                    exitCode: r.exitCode,
                  }),
                ),
              };
        inv.sink.result({ service: r.service, replica: r.replica, exitCode: r.exitCode, ...failed });
      } finally {
        restore();
      }
    });
}

// The terminal's size and its changes (stdout's, as docker takes it), 24x80 when it is not one.
export function terminal(): ExecTerminal {
  const size = () => ({ rows: process.stdout.rows || 24, columns: process.stdout.columns || 80 });
  return {
    ...size(),
    onResize(listener: (size: { rows: number; columns: number }) => void) {
      const on = () => listener(size());
      process.stdout.on('resize', on);
      return () => process.stdout.off('resize', on);
    },
  };
}

// Puts a terminal stdin in raw mode (keys go to the command as typed, Ctrl-C included); returns its undo.
export function rawTerminal(): () => void {
  if (!process.stdin.isTTY) return () => undefined;
  process.stdin.setRawMode(true);
  return () => {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  };
}
