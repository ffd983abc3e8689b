// `pctl exec SERVICE -- COMMAND [ARG...]`: runs a command in one running replica and exits
// with its exit code; its output reaches stdout and stderr byte for byte.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { commandAfterDashes, commandFailed, rawTerminal, replicaNumber, terminal, usageError } from './commandLine.js';

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
      const bad = usageError(core, `usage: pctl exec ${service} [--replica N] [-i] [-t] -- COMMAND [ARG...]`);
      // Everything after `--` is the command, never pctl's options: `--` is required.
      const after = commandAfterDashes(cmd, 'exec', service, command, bad, true);
      const replica = replicaNumber(o.replica, bad);
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
        const failed = commandFailed(
          core,
          r.exitCode,
          `${JSON.stringify(after[0])} exited with code ${r.exitCode} in ${r.service}/${r.replica}`,
        );
        inv.sink.result({ service: r.service, replica: r.replica, exitCode: r.exitCode, ...failed });
      } finally {
        restore();
      }
    });
}
