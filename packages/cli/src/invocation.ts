// What one pctl invocation shares between its command and main: the flags as parsed,
// the secrets to mask, the output sink (decided once: people or --json), and the interrupt signal.
import os from 'node:os';
import type { Command } from 'commander';
import type * as Core from '@pctl/core';
import type { LoadedStack, SessionOptions } from '@pctl/core';
import { flagLabel, parseDuration, positiveInt, type GlobalOpts } from './flags.js';
import type { JsonDocument } from './jsonOutput.js';
import type { Interrupts } from './interrupts.js';
import { escapeTerminal } from './output.js';
import { builtinProviders } from './providers.js';
import { createSink, type OutputSink, type SinkIo } from './sink/index.js';

// The core loads only when a command runs: `pctl --help` and `--version` stay fast.
let core: typeof Core | undefined;
export const loadCore = async (): Promise<typeof Core> => (core ??= await import('@pctl/core'));
// The core if it has loaded (signal handlers must not wait for it).
export const loadedCore = (): typeof Core | undefined => core;

// `--step-timeout`: how long one provider step may take.
function stepTimeout(c: typeof Core, value: string, label: string): number {
  const ms = c.parseDuration(value);
  if (ms === undefined)
    throw new c.PctlError({
      code: 'BadUsage',
      message: `${label} must be a duration such as 90s, 10m or 1h, got "${value}"`,
      fault: 'user',
      exitCode: 2,
    });
  return ms;
}

// The per-run context every command receives.
export class Invocation {
  /** The secret lists of the loaded stacks, kept by reference: a value a provider learns is secret later (aws options.credentials) is masked too. */
  private readonly secretLists: string[][] = [];
  verbose = false;
  /** Where every output of the command goes: the human renderer, or the --json document. */
  readonly sink: OutputSink;
  constructor(
    readonly interrupts: Interrupts,
    /** `--json` is on the command line: decided once by `wantsJson`, before commander parses it. */
    json: boolean,
    io: Pick<SinkIo, 'stdout' | 'rawStdout' | 'rawStderr' | 'writeDocument'>,
  ) {
    this.sink = createSink(json, {
      ...io,
      mask: (t) => this.mask(t),
      clean: (t) => this.clean(t),
      maskDeep: (v) => this.maskDeep(v),
      interactive: () => Boolean(process.stdin.isTTY),
    });
  }

  /** The document `--json` prints (main sets its envelope; commands fill it through the sink). */
  get doc(): JsonDocument {
    return this.sink.doc;
  }

  // Reads the global flags of the command being run.
  globals(cmd: Command): GlobalOpts {
    const o = cmd.optsWithGlobals() as GlobalOpts;
    this.verbose = Boolean(o.verbose);
    return o;
  }

  get interrupt(): AbortSignal {
    return this.interrupts.signal;
  }

  // Masks every secret value the stack resolved (and every one resolved in this process).
  mask(text: string): string {
    return core ? core.maskKnown(text, this.secrets) : text;
  }

  // Masked and with control characters escaped: text from a stack file, state file or provider, for a terminal.
  clean(text: string): string {
    return escapeTerminal(this.mask(text));
  }

  // A value with every secret masked inside its strings, however deep (the JSON document, rendered objects).
  maskDeep<T>(value: T): T {
    return core ? core.maskDeep(value, this.secrets) : value;
  }

  /** Every secret of the loaded stacks, longest first. */
  get secrets(): string[] {
    return [...new Set(this.secretLists.flat())].sort((a, b) => b.length - a.length);
  }

  // Remembers the secrets of a loaded stack, so nothing printed afterwards shows them.
  learnSecrets(stack: LoadedStack): void {
    if (!this.secretLists.includes(stack.secrets)) this.secretLists.push(stack.secrets);
  }

  // The engine's options from the flags (one reporter, exec wrapper, limits, lock wait).
  async sessionOptions(cmd: Command): Promise<SessionOptions> {
    const c = await loadCore();
    const o = this.globals(cmd);
    const verbose = this.verbose;
    const reporter = this.sink.progress({ verbose });
    return {
      configPath: o.config,
      cwd: process.cwd(),
      nameOverride: o.name,
      nameSource: flagLabel(cmd, 'name', '--name'),
      environment: o.env || undefined,
      reporter,
      exec: c.createExec({
        onCommand: verbose ? (line) => reporter.debug(`$ ${line}`) : undefined,
        secrets: () => this.secrets,
      }),
      signal: this.interrupt,
      verbose,
      flags: {
        forceBuild: Boolean(o.forceBuild),
        buildSequential: Boolean(o.buildSequential),
        buildConcurrency: positiveInt('--build-concurrency', o.buildConcurrency, os.availableParallelism()),
        skipPush: Boolean(o.skipPush),
      },
      // Destroy starts up to 32 services at once: removing one is two engine stages (its
      // containers, then its volumes and image), and a service slot held while its image
      // went left the engine's container removals idle. Providers bound what they ask of
      // one engine themselves (docker: 8 container removals at a time per engine). 30
      // busybox services: 2.7 / 2.7 / 3.4 s at 8, 2.5 / 2.6 / 2.5 s at 32.
      concurrency: positiveInt(
        flagLabel(cmd, 'concurrency', '--concurrency'),
        o.concurrency,
        cmd.name() === 'destroy' ? 32 : 4,
      ),
      wait: o.wait !== false,
      lockTimeoutMs: parseDuration(flagLabel(cmd, 'lockTimeout', '--lock-timeout'), o.lockTimeout),
      stepTimeoutMs: stepTimeout(c, o.stepTimeout, flagLabel(cmd, 'stepTimeout', '--step-timeout')),
      stateUrl: o.state,
      builtinProviders,
      learnSecrets: (stack) => this.learnSecrets(stack),
    };
  }
}
