// `pctl history [SERVICE]`: the releases the state keeps per service, as a table or `--json`.
import type { Command } from 'commander';
import type { ServiceHistory } from '@pctl/core';
import { loadCore, type Invocation } from '../invocation.js';

// Adds `history` to the program.
export function registerHistory(program: Command, inv: Invocation): void {
  program
    .command('history')
    .description('the releases each service keeps (what `pctl rollback` can go back to)')
    .argument('[services...]', 'only these services')
    .action(async (services: string[], _o, cmd: Command) => {
      const core = await loadCore();
      const h = await core.runHistory({ ...(await inv.sessionOptions(cmd)), only: services });
      inv.sink.result(
        { stack: h.stack, stateFile: h.stateFile, history: h.services },
        () => historyTable(h.services) + '\n',
      );
    });
}

// One block per service: number, time, image (and digest), a mark on the release that runs.
export function historyTable(services: ServiceHistory[]): string {
  if (!services.length) return 'no releases recorded yet (pctl deploy records one per service)';
  return services
    .map((s) => {
      const rows = s.releases.map((r) => {
        const note = [r.current ? 'current' : '', r.rollbackOf !== undefined ? `rollback to ${r.rollbackOf}` : '']
          .filter(Boolean)
          .join(', ');
        return `  ${String(r.number).padStart(4)}  ${r.at.replace(/\.\d+Z$/, 'Z').padEnd(20)}  ${(r.image ?? '-').padEnd(40)} ${(
          r.digest
            ? r.digest
                .replace(/^.*@/, '')
                .replace(/^sha256:/, '')
                .slice(0, 12)
            : '-'
        ).padEnd(12)}  ${note}`.trimEnd();
      });
      return [
        `${s.service} (${s.key}):`,
        `  ${'#'.padStart(4)}  ${'deployed at'.padEnd(20)}  ${'image'.padEnd(40)} ${'digest'.padEnd(12)}`,
        ...(rows.length ? rows : ['     (no releases recorded)']),
      ].join('\n');
    })
    .join('\n\n');
}
