// `pctl state show | recover | unlock | pull | push | history | migrate`: inspect, rebuild,
// unlock and move the stack's state, wherever its backend keeps it.
import type { Command } from 'commander';
import { loadCore, type Invocation } from '../invocation.js';
import { registerStateMoves } from './stateMoves.js';

// Adds the `state` subcommands to the program.
export function registerState(program: Command, inv: Invocation): void {
  const state = program.command('state').description('inspect, rebuild, unlock or move the stack\'s state');

  // The backend of the stack the flags name (the stack file gives its name and `state:`).
  const backendOf = async (cmd: Command) => {
    const core = await loadCore();
    const o = inv.globals(cmd);
    const opened = await core.openStateOf({ configPath: o.config, cwd: process.cwd(), nameOverride: o.name, stateUrl: o.state, signal: inv.interrupt });
    inv.learnSecrets(opened.loaded);
    return { core, o, stack: opened.stack, backend: opened.backend };
  };

  state
    .command('show')
    .description('print the state')
    .action(async (_o, cmd: Command) => {
      const { stack, backend } = await backendOf(cmd);
      const { state: st } = await backend.read();
      Object.assign(inv.doc, { stack, stateFile: backend.where, state: st });
      if (inv.json) return;
      inv.stdout(`${inv.clean(backend.where)}\n`);
      for (const [key, e] of Object.entries(st)) {
        const flags = [e.destroyed ? 'destroyed' : '', e.pending ? 'pending' : ''].filter(Boolean).join(',');
        inv.stdout(inv.clean(`${key.padEnd(30)} ${e.provider.padEnd(8)} ${(e.image ?? '').padEnd(40)} ${flags}`) + '\n');
      }
    });

  state
    .command('recover')
    .description('rebuild a lost or corrupt state from the labels of live resources')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (o: { yes?: boolean }, cmd: Command) => {
      const core = await loadCore();
      const plan = await core.planRecover(await inv.sessionOptions(cmd));
      Object.assign(inv.doc, { stateFile: plan.stateFile, found: plan.found, entries: [], written: false });
      process.stderr.write(inv.mask(`state ${plan.stateFile} is ${plan.current}; found ${plan.found.length} labelled resource(s):\n`));
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
      const { stack, backend } = await backendOf(cmd);
      const r = await backend.unlock({ force: Boolean(o.force) });
      const owner = r.holder ?? null;
      Object.assign(inv.doc, { stack, stateFile: backend.where, lock: { file: r.where, removed: true, owner } });
      process.stderr.write(inv.clean(`removed the lock ${r.where}${owner ? ` (held by pid ${owner.pid} on ${owner.host}, ${owner.command})` : ''}`) + '\n');
    });

  registerStateMoves(state, inv, backendOf);
}

