// `pctl state pull | push | history | migrate`: the state out of and into its backend,
// its earlier versions, and its move to another backend.
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import type * as Core from '@pctl/core';
import type { Invocation } from '../invocation.js';
import type { GlobalOpts } from '../flags.js';
import { parseDuration } from '../flags.js';

type BackendOf = (
  cmd: Command,
) => Promise<{ core: typeof Core; o: GlobalOpts; stack: string; backend: Core.StateBackend }>;

// The lock options of a state command: the global --lock-timeout / --no-wait.
const lockOpts = (inv: Invocation, o: GlobalOpts, command: string) => ({
  wait: o.wait !== false,
  timeoutMs: parseDuration('--lock-timeout', o.lockTimeout),
  command,
  signal: inv.interrupt,
});

const body = (state: unknown) => JSON.stringify(state, null, 2) + '\n';

export function registerStateMoves(state: Command, inv: Invocation, backendOf: BackendOf): void {
  state
    .command('pull')
    .description('print the state (or one earlier version of it) as a state file, or write it to --output')
    .option('--version-id <id>', 'an earlier version (`pctl state history` lists them)')
    .option('-o, --output <file>', 'write it to this file instead of stdout')
    .action(async (opts: { versionId?: string; output?: string }, cmd: Command) => {
      const { core, stack, backend } = await backendOf(cmd);
      let st;
      if (opts.versionId !== undefined) {
        if (!backend.readVersion)
          throw new core.PctlError({
            code: 'BadUsage',
            message: `the ${backend.kind} backend keeps no earlier versions`,
            fault: 'user',
            exitCode: 2,
          });
        st = await backend.readVersion(opts.versionId);
      } else st = (await backend.read()).state;
      const fields = {
        stack,
        stateFile: backend.where,
        state: st,
        ...(opts.versionId ? { version: opts.versionId } : {}),
        ...(opts.output ? { output: opts.output } : {}),
      };
      if (opts.output) {
        await fs.writeFile(opts.output, body(st), { flag: 'wx', mode: 0o600 });
        inv.sink.result(fields);
        inv.sink.note(`wrote ${opts.output} (${Object.keys(st).length} entries) from ${backend.where}`);
      } else inv.sink.result(fields, () => body(st));
    });

  state
    .command('push')
    .description('replace the state with a state file (as `state pull` writes it), under the lock')
    .argument('<file>', 'the state file to push')
    .option('--force', 'replace it even if the state records services the file does not')
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const { core, o, stack, backend } = await backendOf(cmd);
      const st = core.parseStateFileText(await fs.readFile(file, 'utf8'), file);
      const r = await core.pushState(backend, st, { force: Boolean(opts.force), lock: lockOpts(inv, o, 'state push') });
      inv.sink.result({ stack, stateFile: r.where, entries: r.entries });
      inv.sink.note(`pushed ${r.entries} entries to ${r.where}`);
    });

  state
    .command('history')
    .description('list the earlier states the backend keeps (S3 object versions), newest first')
    .action(async (_o, cmd: Command) => {
      const { stack, backend } = await backendOf(cmd);
      const versions = await backend.history();
      inv.sink.result({ stack, stateFile: backend.where, versions: versions ?? null }, () =>
        versions
          ? {
              stdout: versions
                .map(
                  (v) =>
                    `${v.version.padEnd(34)} ${v.at.padEnd(25)} ${String(v.size).padStart(8)}${v.latest ? '  latest' : ''}\n`,
                )
                .join(''),
            }
          : { stdout: '', stderr: `the ${backend.kind} backend keeps no earlier states (${backend.where})` },
      );
    });

  state
    .command('migrate')
    .description(
      'move the state to another backend under both locks; the source is removed only after the copy is verified',
    )
    .requiredOption('--to <url>', 'where to move it: s3://bucket/key, or a file path')
    .action(async (opts: { to: string }, cmd: Command) => {
      const { core, o, stack, backend } = await backendOf(cmd);
      const to = core.backendOfUrl(opts.to, process.cwd(), stack);
      const r = await core.migrateState(backend, to, { lock: lockOpts(inv, o, 'state migrate') });
      inv.sink.result({ stack, from: r.from, to: r.to, entries: r.entries });
      inv.sink.note(
        `moved ${r.entries} entries from ${r.from} to ${r.to}; point the stack at it (state: in the stack file, or --state ${r.to})`,
      );
    });
}
