// `pctl state show | recover | unlock`: inspect, rebuild, or unlock the stack's state.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';

// Adds `state show`, `state recover` and `state unlock` to the program.
export function registerState(program: Command, inv: Invocation): void {
  const state = program.command('state').description('inspect, rebuild or unlock the state file');

  // The state file of the stack the flags name (the stack file gives its name).
  const stateFileOf = async (cmd: Command) => {
    const core = await loadCore();
    const o = inv.globals(cmd);
    const loaded = await core.loadStack({ configPath: o.config, cwd: process.cwd(), nameOverride: o.name, signal: inv.interrupt });
    inv.learnSecrets(loaded);
    return { core, stack: loaded.config.name, file: core.statePath(process.cwd(), loaded.config.name) };
  };

  state
    .command('show')
    .description('print the state file')
    .action(async (_o, cmd: Command) => {
      const { core, stack, file } = await stateFileOf(cmd);
      const st = await core.readStateFile(file);
      inv.sink.result({ stack, stateFile: file, state: st }, () => {
        const rows = Object.entries(st).map(([key, e]) => {
          const flags = [e.destroyed ? 'destroyed' : '', e.pending ? 'pending' : ''].filter(Boolean).join(',');
          return `${key.padEnd(30)} ${e.provider.padEnd(8)} ${(e.image ?? '').padEnd(40)} ${flags}\n`;
        });
        return `${file}\n${rows.join('')}`;
      });
    });

  state
    .command('recover')
    .description('rebuild a lost or corrupt state file from the labels of live resources')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { yes?: boolean }, cmd: Command) => {
      const core = await loadCore();
      const plan = await core.planRecover(await inv.sessionOptions(cmd));
      inv.sink.result({ stateFile: plan.stateFile, found: plan.found, entries: [], written: false });
      inv.sink.note(`state file ${plan.stateFile} is ${plan.current}; found ${plan.found.length} labelled resource(s):`);
      for (const r of plan.found) inv.sink.note(`  ${r.provider} ${r.kind} ${r.name} -> ${r.key}`);
      const count = Object.keys(plan.next).length;
      // No terminal (or --json) and no --yes: it fails asking for --yes, writing nothing.
      const yes = await inv.sink.request({ question: `write ${count} entr(ies) to ${plan.stateFile}?`, default: false, answer: o.yes ? true : undefined, unattended: () => core.noTtyForConfirm() });
      if (!yes) return inv.sink.note('nothing written');
      const aside = await core.applyRecover(plan);
      if (aside) inv.sink.note(`the corrupt file was kept as ${aside}`);
      inv.sink.result({ entries: Object.keys(plan.next), written: true, ...(aside ? { keptAside: aside } : {}) }, () => `wrote ${plan.stateFile} (${count} entries)\n`);
    });

  state
    .command('unlock')
    .description('remove the stack lock left by a run that is gone (--force: even one held on another host or still running)')
    .option('--force', 'remove the lock even if its holder may still run (another host, or alive here)')
    .action(async (o: { force?: boolean }, cmd: Command) => {
      const { core, stack, file } = await stateFileOf(cmd);
      const r = await core.unlockStack(file, { force: Boolean(o.force) });
      const owner = r.removed.kind === 'lock' ? (r.removed.owner ?? null) : null;
      inv.sink.result({ stack, stateFile: file, lock: { file: r.file, removed: true, owner } });
      inv.sink.note(`removed the lock ${r.file}${owner ? ` (held by pid ${owner.pid} on ${owner.host}, ${owner.command})` : ''}`);
    });
}
