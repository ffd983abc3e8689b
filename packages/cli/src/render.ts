// Human output on stderr (plain lines; colour on a TTY), results on stdout.
import type { ReportEvent, Reporter, RunResult, StatusRow } from '@pctl/core';

export interface RendererOptions {
  verbose: boolean;
  stream?: NodeJS.WriteStream;
  /** Masks secret values in every line written. */
  mask?: (text: string) => string;
}

export function createHumanReporter(opts: RendererOptions): Reporter & { events: ReportEvent[] } {
  const stream = opts.stream ?? process.stderr;
  const color = Boolean(stream.isTTY) && !process.env.NO_COLOR && !process.env.CI;
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const events: ReportEvent[] = [];
  const emit = (e: ReportEvent) => {
    events.push(e);
    if (e.level === 'debug' && !opts.verbose) return;
    const subject = e.subject ? paint('1', e.subject) + ' ' : '';
    const text = e.level === 'error' ? paint('31', e.text) : e.level === 'warn' ? paint('33', e.text) : e.level === 'debug' ? paint('2', e.text) : e.text;
    const line = `${subject}${text}\n`;
    stream.write(opts.mask ? opts.mask(line) : line);
  };
  return {
    events,
    emit,
    info: (text, subject, code = 'Info', data) => emit({ level: 'info', code, text, subject, data }),
    warn: (text, subject, code = 'Warning') => emit({ level: 'warn', code, text, subject }),
    debug: (text, subject) => emit({ level: 'debug', code: 'Debug', text, subject }),
  };
}

export function summarize(result: RunResult): string {
  const count = (r: string) => result.services.filter((s) => s.result === r).length;
  const parts = [
    ['deployed', count('deployed')],
    ['unchanged', count('skipped')],
    ['removed', count('removed')],
    ['destroyed', count('destroyed')],
    ['failed', count('failed')],
    ['not started', count('not-started')],
  ].filter(([, n]) => (n as number) > 0);
  return `${result.command} ${result.stack}: ${parts.map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing to do'}`;
}

export function planTable(result: RunResult): string {
  const rows = result.services.map((s) => `${s.action.padEnd(9)} ${s.key.padEnd(30)} ${s.provider.padEnd(8)} ${s.reason}${s.image ? `  [${s.image}]` : ''}`);
  return rows.join('\n') || 'nothing in this stack';
}

export function statusTable(rows: StatusRow[]): string {
  return rows
    .map((r) => `${r.key.padEnd(30)} ${r.provider.padEnd(8)} state:${r.inState.padEnd(10)} live:${r.live.state}${r.inConfig ? '' : ' (not in config)'}${r.live.detail ? `  ${r.live.detail}` : ''}`)
    .join('\n');
}
