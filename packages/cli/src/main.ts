// The pctl command line: parses flags, runs the engine, prints one clear line on error.
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import type * as Core from '@pctl/core';
import type { RunResult, SessionOptions } from '@pctl/core';
import { createHumanReporter, planTable, statusTable, summarize } from './render.js';
import { maskProcessOutput } from './output.js';

// The core loads only when a command runs: `pctl --help` and `--version` stay fast.
let core: typeof Core;
const loadCore = async (): Promise<typeof Core> => (core ??= await import('@pctl/core'));

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface GlobalOpts {
  config: string;
  name?: string;
  json?: boolean;
  verbose?: boolean;
  concurrency: string;
  wait: boolean;
  forceBuild?: boolean;
  buildSequential?: boolean;
  buildConcurrency?: string;
  skipPush?: boolean;
  stepTimeout: string;
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new core.PctlError({ code: 'BadUsage', message: `${flag} must be a positive integer, got "${value}"`, fault: 'user' });
  }
  return n;
}

function stepTimeout(value: string): number {
  const ms = core.parseDuration(value);
  if (ms === undefined) throw new core.PctlError({ code: 'BadUsage', message: `--step-timeout must be a duration such as 90s, 10m or 1h, got "${value}"`, fault: 'user' });
  return ms;
}

export async function main(argv: string[]): Promise<number> {
  // Signals first: one that arrives while pctl starts still stops it with its exit code.
  const interrupt = new AbortController();
  let interrupts = 0;
  // Set by a command that ends itself on the interrupt (`sync` stops watching, exit 0).
  let watching = false;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    // Holding no lock, pctl has changed nothing yet: stop at once (a hung resolver or
    // plugin must not make Ctrl-C wait).
    if (!watching && (!core || core.heldLockCount() === 0)) {
      process.stderr.write(`\n${sig}: interrupted\n`);
      process.exit(130);
    }
    if (interrupts === 1) {
      process.stderr.write(`\n${sig}: finishing running steps, starting nothing new (press again to abort at once)\n`);
      interrupt.abort(new Error(sig));
    } else {
      process.stderr.write(`${sig}: interrupted\n`);
      core?.releaseHeldLocksSync();
      process.exit(130);
    }
  };
  // Kept for the whole process: a signal after the run, before exit, is still answered.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Everything pctl writes passes the secret mask (the last line of defence).
  maskProcessOutput((t) => (core ? core.maskKnown(t, secrets) : t));
  // The event loop ran empty before the command finished: a step never settled.
  const onEmpty = () => {
    if (!core) return;
    const err = core.unsettledError(core.unsettledSteps());
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: { code: err.code, message: err.oneLine() } }) + '\n');
    process.stderr.write(`error: ${err.oneLine()}\n`);
    core.releaseHeldLocksSync();
    process.exit(err.exitCode);
  };
  process.once('beforeExit', onEmpty);

  let secrets: string[] = [];
  let verbose = false;
  let json = false;
  let exitCode = 0;

  const program = new Command('pctl')
    .description('Deploy a stack of services to Docker, kind, AWS or Google Cloud from one stack file')
    .version(VERSION, '-V, --version')
    .option('-c, --config <file>', 'stack file', './pctl.yaml')
    .option('--name <name>', 'override the stack name (separate state file)')
    .option('--json', 'print machine-readable results on stdout')
    .option('-v, --verbose', 'show commands run and their output')
    .option('--concurrency <n>', 'services deployed at once', '4')
    .option('--no-wait', 'fail at once when another run holds the stack lock')
    .option('--step-timeout <duration>', 'give up on one provider step (deploy, destroy, status, ...) after this long: 90s, 10m, 1h', '30m')
    .hook('preAction', async () => {
      await loadCore();
    })
    .showHelpAfterError('(run pctl --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const buildFlags = (cmd: Command) =>
    cmd
      .option('-b, --force-build', 'rebuild images even when their inputs did not change')
      .option('--build-sequential', 'build images one at a time')
      .option('--build-concurrency <n>', 'images built at once (default: number of cores)')
      .option('--skip-push', 'do not push images to registries');

  const sessionOptions = async (cmd: Command): Promise<SessionOptions> => {
    await loadCore();
    const o = cmd.optsWithGlobals() as GlobalOpts;
    verbose = Boolean(o.verbose);
    json = Boolean(o.json);
    const reporter = createHumanReporter({ verbose, mask: (t) => core.maskSecrets(t, secrets) });
    return {
      configPath: o.config,
      cwd: process.cwd(),
      nameOverride: o.name,
      reporter,
      exec: core.createExec({ onCommand: verbose ? (c) => reporter.debug(`$ ${c}`) : undefined, secrets: () => secrets }),
      signal: interrupt.signal,
      verbose,
      flags: {
        forceBuild: Boolean(o.forceBuild),
        buildSequential: Boolean(o.buildSequential),
        buildConcurrency: positiveInt('--build-concurrency', o.buildConcurrency, os.availableParallelism()),
        skipPush: Boolean(o.skipPush),
      },
      concurrency: positiveInt('--concurrency', o.concurrency, 4),
      wait: o.wait !== false,
      stepTimeoutMs: stepTimeout(o.stepTimeout),
      loadProvider: async (name, stack) => {
        // The same array the providers see: values they learn are secret (aws options.credentials) are masked too.
        secrets = stack.secrets;
        return (await import('./providers.js')).loadProvider(name, stack);
      },
    };
  };

  const finish = (result: RunResult) => {
    if (json) process.stdout.write(JSON.stringify(core.maskDeep(resultJson(result), [...secrets, ...core.knownSecrets()]), null, 2) + '\n');
    process.stderr.write(summarize(result) + '\n');
    if (result.error) throw result.error;
  };

  buildFlags(program.command('deploy').description('build and deploy the stack (changed services only)').argument('[services...]', 'only these services'))
    .action(async (services: string[], _o, cmd: Command) => finish(await core.runDeploy({ ...(await sessionOptions(cmd)), only: services })));

  buildFlags(
    program
      .command('build')
      .description('build images (only those whose inputs changed) without deploying')
      .argument('[services...]', 'only these services')
      .option('--list <service>', "print every file of the service's build context after .dockerignore")
      .option('--explain <service>', 'say why the service\'s image will or will not build'),
  ).action(async (services: string[], o: { list?: string; explain?: string }, cmd: Command) => {
    const so = await sessionOptions(cmd);
    if (o.list) {
      const files = await core.runBuildList({ ...so, service: o.list });
      process.stdout.write(json ? JSON.stringify(files) + '\n' : files.map((f) => f + '\n').join(''));
      return;
    }
    if (o.explain) {
      const r = await core.runBuildExplain({ ...so, service: o.explain });
      process.stdout.write(json ? JSON.stringify(r) + '\n' : `${o.explain}: ${r.willBuild ? 'will build' : 'will not build'}: ${r.reason}\n  inputs: ${r.inputs}\n  context sent: ${r.context}\n`);
      return;
    }
    const r = await core.runBuild({ ...so, only: services });
    if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else for (const i of r.images) process.stdout.write(`${i.service.padEnd(20)} ${i.ref}  ${i.built ? 'built' : 'unchanged'}\n`);
  });

  program
    .command('destroy')
    .description('remove everything the stack created; entries stay in state marked destroyed')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => finish(await core.runDestroy({ ...(await sessionOptions(cmd)), only: services })));

  program
    .command('plan')
    .description('show what deploy would create, update, skip and remove, without doing it')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const result = await core.runPlan({ ...(await sessionOptions(cmd)), only: services });
      if (json) process.stdout.write(JSON.stringify(resultJson(result), null, 2) + '\n');
      else process.stdout.write(planTable(result) + '\n');
    });

  program
    .command('sync')
    .description('copy the folders Dockerfiles COPY into running containers as they change (Ctrl-C stops)')
    .argument('[services...]', 'only these services')
    .option('--once', 'sync what differs now and exit')
    .action(async (services: string[], o: { once?: boolean }, cmd: Command) => {
      watching = !o.once;
      const so = await sessionOptions(cmd);
      const rounds = await core.runSync({ ...so, only: services, once: Boolean(o.once) }, (r) => {
        const what = [r.files ? `${r.files} file${r.files === 1 ? '' : 's'}` : '', r.deleted ? `${r.deleted} removal${r.deleted === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
        so.reporter.info(`synced ${what} to ${r.containers.join(', ')}`, r.key, 'Synced');
      });
      if (json) process.stdout.write(JSON.stringify({ ok: true, rounds }, null, 2) + '\n');
      if (!o.once) process.stderr.write('sync stopped\n');
    });

  program
    .command('render')
    .description('print, as YAML, the Kubernetes objects deploy would apply (touches no cluster)')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      // Masked as a whole before printing, whatever a provider put in its objects.
      const rendered = core.maskDeep(await core.runRender({ ...(await sessionOptions(cmd)), only: services }), [...secrets, ...core.knownSecrets()]);
      if (json) process.stdout.write(JSON.stringify(rendered, null, 2) + '\n');
      else {
        const { stringify } = await import('yaml');
        const docs = rendered.flatMap((r) => r.objects.map((o) => `# ${r.key} (${r.provider})\n${stringify(o, { lineWidth: 0 })}`));
        process.stdout.write(docs.length ? `---\n${docs.join('---\n')}` : '');
        if (!docs.length) process.stderr.write('no service of this stack deploys to Kubernetes\n');
      }
    });

  program
    .command('validate')
    .description('check the stack file and report every error')
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals() as GlobalOpts;
      json = Boolean(o.json);
      await loadCore();
      const loaded = await core.loadStack({ configPath: o.config, cwd: process.cwd(), nameOverride: o.name, signal: interrupt.signal });
      secrets = [...loaded.secrets];
      core.checkArguments(loaded.config, path.relative(process.cwd(), loaded.configPath) || loaded.configPath);
      const services = Object.keys(loaded.config.services);
      if (json) process.stdout.write(JSON.stringify({ ok: true, stack: loaded.config.name, services }) + '\n');
      else process.stdout.write(`${loaded.configPath}: valid (stack ${loaded.config.name}, ${services.length} service${services.length === 1 ? '' : 's'})\n`);
    });

  program
    .command('status')
    .description('state next to what is really running')
    .action(async (_o, cmd: Command) => {
      const s = await core.runStatus(await sessionOptions(cmd));
      if (json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      else process.stdout.write(statusTable(s.rows) + '\n');
    });

  const state = program.command('state').description('inspect or rebuild the state file');
  state
    .command('show')
    .description('print the state file')
    .action(async (_o, cmd: Command) => {
      const o = cmd.optsWithGlobals() as GlobalOpts;
      json = Boolean(o.json);
      await loadCore();
      const loaded = await core.loadStack({ configPath: o.config, cwd: process.cwd(), nameOverride: o.name, signal: interrupt.signal });
      const file = core.statePath(process.cwd(), loaded.config.name);
      const st = await core.readStateFile(file);
      if (json) process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      else {
        process.stdout.write(`${file}\n`);
        for (const [key, e] of Object.entries(st)) {
          const flags = [e.destroyed ? 'destroyed' : '', e.pending ? 'pending' : ''].filter(Boolean).join(',');
          process.stdout.write(`${key.padEnd(30)} ${e.provider.padEnd(8)} ${(e.image ?? '').padEnd(40)} ${flags}\n`);
        }
      }
    });
  state
    .command('recover')
    .description('rebuild a lost or corrupt state file from the labels of live resources')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { yes?: boolean }, cmd: Command) => {
      const plan = await core.planRecover(await sessionOptions(cmd));
      process.stderr.write(`state file ${plan.stateFile} is ${plan.current}; found ${plan.found.length} labelled resource(s):\n`);
      for (const r of plan.found) process.stderr.write(`  ${r.provider} ${r.kind} ${r.name} -> ${r.key}\n`);
      if (!o.yes) {
        if (!process.stdin.isTTY) throw core.noTtyForConfirm();
        const rl = (await import('node:readline/promises')).createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question(`write ${Object.keys(plan.next).length} entr(ies) to ${plan.stateFile}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) {
          process.stderr.write('nothing written\n');
          return;
        }
      }
      const aside = await core.applyRecover(plan);
      if (aside) process.stderr.write(`the corrupt file was kept as ${aside}\n`);
      if (json) process.stdout.write(JSON.stringify({ ok: true, stateFile: plan.stateFile, entries: Object.keys(plan.next) }) + '\n');
      else process.stdout.write(`wrote ${plan.stateFile} (${Object.keys(plan.next).length} entries)\n`);
    });

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    await loadCore();
    const err = core.isPctlError(e) ? e : core.toPctlError(e);
    exitCode = err.exitCode;
    const line = core.maskSecrets(err.oneLine(), secrets);
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: { code: err.code, message: line } }) + '\n');
    process.stderr.write(`error: ${line}\n`);
    if (verbose && err.detail) process.stderr.write(core.maskSecrets(err.detail, secrets) + '\n');
    else if (err.detail && err.code === 'InvalidConfig') process.stderr.write(core.maskSecrets(err.detail, secrets) + '\n');
  } finally {
    process.off('beforeExit', onEmpty);
  }
  return exitCode;
}

function resultJson(r: RunResult) {
  return {
    command: r.command,
    stack: r.stack,
    stateFile: r.stateFile,
    ok: r.ok,
    services: r.services,
    error: r.error ? { code: r.error.code, message: r.error.oneLine() } : undefined,
  };
}

export { Option };
