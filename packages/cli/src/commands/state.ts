// `pctl state show | recover | unlock | pull | push | history | migrate`: inspect, rebuild,
// unlock and move the stack's state, wherever its backend keeps it.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { registerStateMoves } from './stateMoves.js';

// Adds the `state` subcommands to the program.
export function registerState(program: Command, inv: Invocation): void {
  const state = program.command('state').description("inspect, rebuild, unlock or move the stack's state");

  // The backend of the stack the flags name (the stack file gives its name and `state:`).
  const backendOf = async (cmd: Command) => {
    const core = await loadCore();
    const o = inv.globals(cmd);
    const opened = await core.openStateOf({
      configPath: o.config,
      cwd: process.cwd(),
      nameOverride: o.name,
      stateUrl: o.state,
      environment: o.env || undefined,
      signal: inv.interrupt,
    });
    inv.learnSecrets(opened.loaded);
    return { core, o, stack: opened.stack, backend: opened.backend };
  };

  state
    .command('show')
    .description('print the state')
    .action(async (_o, cmd: Command) => {
      const { stack, backend } = await backendOf(cmd);
      const { state: st } = await backend.read();
      inv.sink.result({ stack, stateFile: backend.where, state: st }, () => {
        const rows = Object.entries(st).map(([key, e]) => {
          const flags = [e.destroyed ? 'destroyed' : '', e.pending ? 'pending' : ''].filter(Boolean).join(',');
          return `${key.padEnd(30)} ${e.provider.padEnd(8)} ${(e.image ?? '').padEnd(40)} ${flags}\n`;
        });
        return `${backend.where}\n${rows.join('')}`;
      });
    });

  state
    .command('recover')
    .description('rebuild a lost or corrupt state from the labels of live resources')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { yes?: boolean }, cmd: Command) => {
      const core = await loadCore();
      const plan = await core.planRecover(await inv.sessionOptions(cmd));
      inv.sink.result({ stateFile: plan.stateFile, found: plan.found, entries: [], written: false });
      inv.sink.note(`state ${plan.stateFile} is ${plan.current}; found ${plan.found.length} labelled resource(s):`);
      for (const r of plan.found) inv.sink.note(`  ${r.provider} ${r.kind} ${r.name} -> ${r.key}`);
      const count = Object.keys(plan.next).length;
      // No terminal (or --json) and no --yes: it fails asking for --yes, writing nothing.
      const yes = await inv.sink.request({
        question: `write ${count} entr(ies) to ${plan.stateFile}?`,
        default: false,
        answer: o.yes ? true : undefined,
        unattended: () => core.noTtyForConfirm(),
      });
      if (!yes) return inv.sink.note('nothing written');
      const aside = await core.applyRecover(plan);
      if (aside) inv.sink.note(`the corrupt file was kept as ${aside}`);
      inv.sink.result(
        { entries: Object.keys(plan.next), written: true, ...(aside ? { keptAside: aside } : {}) },
        () => `wrote ${plan.stateFile} (${count} entries)\n`,
      );
    });

  state
    .command('unlock')
    .description(
      'remove the stack lock left by a run that is gone (--force: even one held on another host or still running)',
    )
    .option('--force', 'remove the lock even if its holder may still run (another host, or alive here)')
    .action(async (o: { force?: boolean }, cmd: Command) => {
      const { stack, backend } = await backendOf(cmd);
      const r = await backend.unlock({ force: Boolean(o.force) });
      const owner = r.holder ?? null;
      inv.sink.result({ stack, stateFile: backend.where, lock: { file: r.where, removed: true, owner } });
      inv.sink.note(
        `removed the lock ${r.where}${owner ? ` (held by pid ${owner.pid} on ${owner.host}, ${owner.command})` : ''}`,
      );
    });

  registerStateMoves(state, inv, backendOf);
}
