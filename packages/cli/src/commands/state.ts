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
    const loaded = await core.loadStack({ configPath: o.config, cwd: process.cwd(), nameOverride: o.name, environment: o.env || undefined, signal: inv.interrupt });
    inv.learnSecrets(loaded);
    return { core, stack: loaded.config.name, file: core.statePath(process.cwd(), loaded.config.name) };
  };

  state
    .command('show')
    .description('print the state file')
    .action(async (_o, cmd: Command) => {
      const { core, stack, file } = await stateFileOf(cmd);
      const st = await core.readStateFile(file);
      Object.assign(inv.doc, { stack, stateFile: file, state: st });
      if (inv.json) return;
      inv.stdout(`${file}\n`);
      for (const [key, e] of Object.entries(st)) {
        const flags = [e.destroyed ? 'destroyed' : '', e.pending ? 'pending' : ''].filter(Boolean).join(',');
        inv.stdout(`${key.padEnd(30)} ${e.provider.padEnd(8)} ${(e.image ?? '').padEnd(40)} ${flags}\n`);
      }
    });

  state
    .command('recover')
    .description('rebuild a lost or corrupt state file from the labels of live resources')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { yes?: boolean }, cmd: Command) => {
      const core = await loadCore();
      const plan = await core.planRecover(await inv.sessionOptions(cmd));
      Object.assign(inv.doc, { stateFile: plan.stateFile, found: plan.found, entries: [], written: false });
      process.stderr.write(inv.mask(`state file ${plan.stateFile} is ${plan.current}; found ${plan.found.length} labelled resource(s):\n`));
      for (const r of plan.found) process.stderr.write(inv.mask(`  ${r.provider} ${r.kind} ${r.name} -> ${r.key}\n`));
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
      Object.assign(inv.doc, { entries: Object.keys(plan.next), written: true, ...(aside ? { keptAside: aside } : {}) });
      if (!inv.json) inv.stdout(`wrote ${plan.stateFile} (${Object.keys(plan.next).length} entries)\n`);
    });

  state
    .command('unlock')
    .description('remove the stack lock left by a run that is gone (--force: even one held on another host or still running)')
    .option('--force', 'remove the lock even if its holder may still run (another host, or alive here)')
    .action(async (o: { force?: boolean }, cmd: Command) => {
      const { core, stack, file } = await stateFileOf(cmd);
      const r = await core.unlockStack(file, { force: Boolean(o.force) });
      const owner = r.removed.kind === 'lock' ? (r.removed.owner ?? null) : null;
      Object.assign(inv.doc, { stack, stateFile: file, lock: { file: r.file, removed: true, owner } });
      process.stderr.write(`removed the lock ${r.file}${owner ? ` (held by pid ${owner.pid} on ${owner.host}, ${owner.command})` : ''}\n`);
    });
}
