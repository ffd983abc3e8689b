// The tables and summary lines people read on stdout and stderr after a command.
import type { RunResult, StatusRow } from '@pctl/core';

export function summarize(result: RunResult): string {
  const count = (r: string) => result.services.filter((s) => s.result === r).length;
  const parts = [
    ['deployed', count('deployed')],
    ['adopted', count('adopted')],
    ['unchanged', count('skipped')],
    ['removed', count('removed')],
    ['destroyed', count('destroyed')],
    ['failed', count('failed')],
    ['not started', count('not-started')],
  ].filter(([, n]) => (n as number) > 0);
  return `${result.command} ${result.stack}: ${parts.map(([k, n]) => `${n} ${k}`).join(', ') || (result.error ? 'nothing changed' : 'nothing to do')}`;
}

export function planTable(result: RunResult): string {
  const rows = result.services.map(
    (s) =>
      `${s.action.padEnd(9)} ${s.key.padEnd(30)} ${s.provider.padEnd(8)} ${s.reason}${s.image ? `  [${s.image}]` : ''}`,
  );
  return rows.join('\n') || 'nothing in this stack';
}

export function statusTable(rows: StatusRow[]): string {
  return rows
    .map(
      (r) =>
        `${r.key.padEnd(30)} ${r.provider.padEnd(8)} state:${r.inState.padEnd(10)} live:${r.live.state}${r.inConfig ? '' : ' (not in config)'}${r.live.detail ? `  ${r.live.detail}` : ''}`,
    )
    .join('\n');
}
