// The pctl command line: global flags, the commands (one file each under commands/), and
// the one exit path: an error is one line on stderr, and `--json` prints exactly one
// document on stdout, in success and in failure.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerDeploy } from './commands/deploy.js';
import { registerDestroy } from './commands/destroy.js';
import { registerDev } from './commands/dev.js';
import { registerExec } from './commands/exec.js';
import { registerRun } from './commands/run.js';
import { registerLogs } from './commands/logs.js';
import { registerPlan } from './commands/plan.js';
import { registerPortForward } from './commands/portForward.js';
import { registerRender } from './commands/render.js';
import { registerState } from './commands/state.js';
import { registerStatus } from './commands/status.js';
import { registerHistory } from './commands/history.js';
import { registerRollback } from './commands/rollback.js';
import { registerSync } from './commands/sync.js';
import { registerValidate } from './commands/validate.js';
import { Invocation, loadCore, loadedCore } from './invocation.js';
import { guardProcessOutput } from './output.js';
import { errorJson } from './jsonOutput.js';
import { installInterruptHandlers } from './interrupts.js';
import { divertStdout } from './jsonStdout.js';
import { wantsJson } from './sink/index.js';
import { applyBooleanEnv, FLAG_ENV } from './flags.js';

// Lifts the process.exit guard the run put up around foreign code (set once the core loads).
let unguardExit = (): void => undefined;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

// The command tree with its global flags.
function buildProgram(inv: Invocation): Command {
  const program = new Command('pctl')
    .description('Deploy a stack of services to Docker, kind, AWS or Google Cloud from one stack file')
    .version(VERSION, '-V, --version')
    // Every global flag also reads a PCTL_* variable (flags.ts FLAG_ENV); the flag wins.
    .addOption(new Option('-c, --config <file>', 'stack file').default('./pctl.yaml').env(FLAG_ENV.config))
    .addOption(new Option('--name <name>', 'override the stack name (separate state file)').env(FLAG_ENV.name))
    .addOption(
      new Option(
        '--env <environment>',
        'compose this environment of the stack file (its own stack and state); validate: `all` checks every one',
      ).env(FLAG_ENV.env),
    )
    .option(
      '--json',
      `print one machine-readable JSON document on stdout (docs/using/json.md) (env: ${FLAG_ENV.json}=1)`,
    )
    .option('-v, --verbose', `show commands run and their output (env: ${FLAG_ENV.verbose}=1)`)
    .addOption(
      new Option('--concurrency <n>', 'services deployed at once (default 4; destroy: 32)').env(FLAG_ENV.concurrency),
    )
    .addOption(
      new Option('--lock-timeout <duration>', 'wait this long for a stack lock another run holds (e.g. 30s, 5m)')
        .default('0s')
        .env(FLAG_ENV.lockTimeout),
    )
    .option(
      '--no-wait',
      `fail at once when another run holds the stack lock (the same as --lock-timeout 0) (env: ${FLAG_ENV.wait}=1)`,
    )
    .addOption(
      new Option(
        '--state <url>',
        "where the state and lock live, over the stack file's state: (s3://bucket/key, gs://bucket/object, a file path)",
      ).env(FLAG_ENV.state),
    )
    .addOption(
      new Option(
        '--step-timeout <duration>',
        'give up on one provider step (deploy, destroy, status, ...) after this long: 90s, 10m, 1h',
      )
        .default('30m')
        .env(FLAG_ENV.stepTimeout),
    )
    .hook('preAction', async (root, action) => {
      applyBooleanEnv(root);
      const names: string[] = [];
      for (let c: Command | null = action; c && c.parent; c = c.parent) names.unshift(c.name());
      inv.doc.command = names.join(' ');
      // From here on providers, plugins and resolvers may run: none of them may end pctl.
      unguardExit = (await loadCore()).guardExit();
    })
    .showHelpAfterError('(run pctl --help for usage)')
    .exitOverride()
    // Under --json, help and version text go to stderr: stdout holds only the document.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => inv.sink.usage(s) });
  registerDeploy(program, inv);
  registerDestroy(program, inv);
  registerBuild(program, inv);
  registerPlan(program, inv);
  registerRender(program, inv);
  registerSync(program, inv);
  registerDev(program, inv);
  registerLogs(program, inv);
  registerExec(program, inv);
  registerRun(program, inv);
  registerPortForward(program, inv);
  registerValidate(program, inv);
  registerStatus(program, inv);
  registerHistory(program, inv);
  registerRollback(program, inv);
  registerState(program, inv);
  return program;
}

// Resolves once stdout and stderr have handed everything to the OS: a pipe whose reader is
// slower than pctl takes 64 KiB at once, and exiting before the rest leaves a JSON document cut.
export async function flushOutput(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map((s) =>
      s.writableLength > 0 ? new Promise<void>((r) => s.write('', () => r())) : undefined,
    ),
  );
}

// The command an argv names, for the JSON document when flags fail before it runs.
function commandOf(argv: string[]): string {
  const words = argv.filter((a) => !a.startsWith('-'));
  const first = words[0] ?? '';
  return first === 'state' && words[1] ? `state ${words[1]}` : first;
}

// Runs pctl with these arguments and returns the exit code.
export async function main(argv: string[]): Promise<number> {
  // Signals first: one that arrives while pctl starts still stops it with its exit code.
  const interrupts = installInterruptHandlers(loadedCore);
  let inv: Invocation | undefined;
  // Everything pctl writes passes the secret mask and the terminal escape (the last line of defence).
  const unguarded = guardProcessOutput((t) => (inv ? inv.mask(t) : t));
  // Under --json stdout carries only the document: anything else (a plugin's console.log,
  // a provider's fs.writeSync(1), a child's inherited stdout) goes to stderr.
  const realStdoutWrite = process.stdout.write.bind(process.stdout);
  const json = wantsJson(argv);
  const diverted = json ? divertStdout(unguarded.rawStdout) : undefined;
  // Results for people pass the guard; only the document is written raw (masked inside its strings).
  const writeStdout = diverted
    ? (text: string) => diverted.writeDocument(inv ? inv.mask(text) : text)
    : (text: string) => void realStdoutWrite(text);
  const writeDocument = diverted ? diverted.writeDocument : unguarded.rawStdout;
  inv = new Invocation(interrupts, json, {
    stdout: writeStdout,
    rawStdout: unguarded.rawStdout,
    rawStderr: unguarded.rawStderr,
    writeDocument,
  });
  inv.doc.pctlVersion = VERSION;
  // Under --json the one document (the human sink prints nothing here); ok unless the run failed
  // (plan --exit-code's 2 is a result, not a failure).
  const printDocument = (code: number, failed = code !== 0) => {
    if (!inv!.doc.command) inv!.doc.command = commandOf(argv);
    inv!.sink.finish(code, failed);
  };
  // The event loop ran empty before the command finished: a step never settled (or a
  // module's process.exit from a callback was stopped and nothing was left to do).
  const onEmpty = () => {
    const core = loadedCore();
    if (!core) return;
    const err = core.exitAttempt() ?? core.unsettledError(core.unsettledSteps());
    inv!.doc.error = errorJson(err);
    inv!.sink.note(`error: ${err.oneLine()}`);
    core.releaseHeldLocksSync();
    printDocument(err.exitCode);
    void flushOutput().then(() => core.exitProcess(err.exitCode));
  };
  process.once('beforeExit', onEmpty);
  let exitCode = 0;
  try {
    if (argv.length === 0) {
      buildProgram(inv).outputHelp();
      return 2;
    }
    await buildProgram(inv).parseAsync(argv, { from: 'user' });
    // A module called process.exit and swallowed what the guard threw: the run still fails.
    const exited = loadedCore()?.exitAttempt();
    if (exited) exitCode = await reportError(exited, inv, argv);
    else {
      // A command's own exit status: exec passes its command's on; plan --exit-code's 2
      // (something would change) is a result, not a failure.
      const chosen = inv.sink.exitCode();
      if (chosen.code !== 0 && !chosen.failed) {
        printDocument(chosen.code, false);
        return chosen.code;
      }
      exitCode = chosen.code;
    }
  } catch (e) {
    // A process.exit the guard stopped is the cause, whatever a wrapper made of it.
    exitCode = await reportError(loadedCore()?.exitAttempt() ?? e, inv, argv);
  } finally {
    process.off('beforeExit', onEmpty);
    unguardExit();
    diverted?.restore();
    // Docker engine connections and ssh forwards end with the command (on exit and on a
    // signal, the core's exit hook stops them).
    await loadedCore()
      ?.closeEngines()
      .catch(() => undefined);
  }
  // plan --exit-code keeps 2 for "something would change": every error is 1 (a signal keeps its code).
  if (exitCode !== 0 && exitCode < 128 && detailedExitCode(argv)) exitCode = 1;
  printDocument(exitCode);
  return exitCode;
}

// `pctl plan --exit-code` (Terraform's -detailed-exitcode).
function detailedExitCode(argv: string[]): boolean {
  const args = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length);
  return args.includes('plan') && args.includes('--exit-code');
}

// Prints the one error line (and, for an invalid stack file, every issue); returns the exit code.
async function reportError(e: unknown, inv: Invocation, argv: string[]): Promise<number> {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    const core = await loadCore();
    inv.doc.command ||= commandOf(argv);
    // Commander already printed its message on stderr.
    const message = e.message.replace(/^error:\s*/, '').split('\n')[0]!;
    inv.doc.error = errorJson(
      new core.PctlError({ code: 'BadUsage', message, fault: 'user', exitCode: 2, hint: 'run pctl --help for usage' }),
    );
    return 2;
  }
  const core = await loadCore();
  const err = core.toPctlError(e);
  inv.doc.error = errorJson(err);
  inv.sink.note(`error: ${err.oneLine()}`);
  // A job's last log lines are why it failed: shown without --verbose.
  if (
    err.detail &&
    (inv.verbose || err.code === 'InvalidConfig' || err.code === 'JobFailed' || err.code === 'JobTimeout')
  )
    inv.sink.note(err.detail);
  return err.exitCode;
}
