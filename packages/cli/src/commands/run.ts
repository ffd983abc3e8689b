// `pctl run SERVICE [-- COMMAND [ARG...]]`: a one-off container (pod) from the service's
// image, env and volumes, attached, removed after; exits with its exit code and passes its
// output through byte for byte.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { commandAfterDashes, commandFailed, rawTerminal, terminal, usageError } from './commandLine.js';

interface RunFlags {
  interactive?: boolean;
  tty?: boolean;
}

// Adds `run` to the program.
export function registerRun(program: Command, inv: Invocation): void {
  program
    .command('run')
    .description(
      "run a one-off container (a pod on Kubernetes) from a service's image, env and volumes; exit with its exit code",
    )
    .usage('[options] SERVICE [-- COMMAND [ARG...]]')
    .argument('<service>', 'the service')
    .argument('[command...]', "the command and its arguments, after -- (default: the service's command)")
    .option('-i, --interactive', 'pass stdin to the command')
    .option('-t, --tty', 'allocate a terminal (and forward its size changes)')
    .allowUnknownOption()
    .action(async (service: string, command: string[], o: RunFlags, cmd: Command) => {
      const core = await loadCore();
      const bad = usageError(core, `usage: pctl run ${service} [-i] [-t] [-- COMMAND [ARG...]]`);
      // Everything after `--` is the command, never pctl's options.
      const after = commandAfterDashes(cmd, 'run', service, command, bad, false);
      inv.interrupts.setWatching(true);
      const so = await inv.sessionOptions(cmd);
      const restore = o.tty && o.interactive ? rawTerminal() : () => undefined;
      try {
        const r = await core.runOneOff({
          ...so,
          service,
          command: after.length ? after : undefined,
          stdin: o.interactive ? process.stdin : undefined,
          stdout: inv.sink.passthrough('stdout'),
          stderr: inv.sink.passthrough('stderr'),
          tty: o.tty ? terminal() : undefined,
        });
        inv.sink.exitWith(r.exitCode);
        const failed = commandFailed(
          core,
          r.exitCode,
          `the one-off ${r.name} of ${r.service} exited with code ${r.exitCode}`,
        );
        inv.sink.result({ service: r.service, name: r.name, exitCode: r.exitCode, ...failed });
      } finally {
        restore();
      }
    });
}
