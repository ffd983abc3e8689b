// Human output on stderr, results on stdout. On a terminal, progress is live: one line
// per service, rewritten in place as it goes (build output shows as that service's last
// line); elsewhere (pipes, CI, --verbose) plain lines, one per event.
import type { ReportEvent, Reporter, RunResult, StatusRow } from '@pctl/core';

export interface RendererOptions {
  verbose: boolean;
  stream?: NodeJS.WriteStream;
  /** Masks secrets in a text from outside and escapes its control characters (applied before pctl's own colours). */
  clean?: (text: string) => string;
  /** Writes a finished line (pctl's escapes around cleaned text); default: the stream's write. */
  write?: (text: string) => void;
}

export function createHumanReporter(opts: RendererOptions): Reporter & { events: ReportEvent[] } {
  const stream = opts.stream ?? process.stderr;
  const write = opts.write ?? ((t: string) => void stream.write(t));
  const clean = (t: string) => (opts.clean ? opts.clean(t) : t);
  if (stream.isTTY && !opts.verbose && !process.env.CI && process.env.TERM !== 'dumb') return createLiveReporter({ ...opts, stream });
  const color = Boolean(stream.isTTY) && !process.env.NO_COLOR && !process.env.CI;
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const events: ReportEvent[] = [];
  const emit = (e: ReportEvent) => {
    events.push(e);
    // Build output streams per image (prefixed with its tag); other debug lines need --verbose.
    if (e.level === 'debug' && !opts.verbose && e.code !== 'BuildLine') return;
    const subject = e.subject ? paint('1', clean(e.subject)) + ' ' : '';
    const body = clean(e.text);
    const text = e.level === 'error' ? paint('31', body) : e.level === 'warn' ? paint('33', body) : e.level === 'debug' ? paint('2', body) : body;
    write(`${subject}${text}\n`);
  };
  return reporterOf(emit, events);
}

// The Reporter methods over one emit function.
function reporterOf(emit: (e: ReportEvent) => void, events: ReportEvent[]): Reporter & { events: ReportEvent[] } {
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
  const rows = result.services.map((s) => `${s.action.padEnd(9)} ${s.key.padEnd(30)} ${s.provider.padEnd(8)} ${s.reason}${s.image ? `  [${s.image}]` : ''}`);
  return rows.join('\n') || 'nothing in this stack';
}

export function statusTable(rows: StatusRow[]): string {
  return rows
    .map((r) => `${r.key.padEnd(30)} ${r.provider.padEnd(8)} state:${r.inState.padEnd(10)} live:${r.live.state}${r.inConfig ? '' : ' (not in config)'}${r.live.detail ? `  ${r.live.detail}` : ''}`)
    .join('\n');
}

const DONE_CODES = new Set(['ServiceDeployed', 'ServiceAdopted', 'ServiceUnchanged', 'ServiceDestroyed', 'OrphanRemoved', 'BuildDone', 'BuildSkipped']);
const ANSI = /\u001b\[[0-9;]*m/g;

// The live board: rows keyed by service, redrawn in place after each event. Lines without
// a service (and warnings, errors) are printed above it and stay.
export function createLiveReporter(opts: RendererOptions & { stream: NodeJS.WriteStream }): Reporter & { events: ReportEvent[] } {
  const { stream } = opts;
  const write = opts.write ?? ((t: string) => void stream.write(t));
  const color = !process.env.NO_COLOR;
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const events: ReportEvent[] = [];
  const rows = new Map<string, { text: string; state: 'busy' | 'done' | 'failed' }>();
  const ownerOfImage = new Map<string, string>();
  let drawn = 0;
  const width = () => Math.max(20, (stream.columns || 100) - 1);
  const fit = (line: string) => {
    const plain = line.replace(ANSI, '');
    return plain.length <= width() ? line : `${plain.slice(0, width() - 1)}…`;
  };
  const clean = (t: string) => (opts.clean ? opts.clean(t) : t);
  const rowLine = (key: string, row: { text: string; state: 'busy' | 'done' | 'failed' }, keyWidth: number) => {
    const mark = row.state === 'done' ? paint('32', '✓') : row.state === 'failed' ? paint('31', '✗') : paint('36', '…');
    return `\u001b[2K${fit(`${mark} ${paint('1', clean(key).padEnd(keyWidth))} ${clean(row.text)}`)}\n`;
  };
  // Rows beyond the screen cannot be rewritten, and redrawing every row on every event made
  // a large stack quadratic: the oldest rows leave the board, printed once above it.
  const height = () => Math.max(4, (stream.rows || 24) - 2);
  const redraw = (above = '') => {
    let out = drawn ? `\u001b[${drawn}A` : '';
    out += '\r';
    if (above) out += `\u001b[2K${above}\n`;
    for (const [key, row] of rows) {
      if (rows.size <= height()) break;
      out += rowLine(key, row, 0);
      rows.delete(key);
    }
    const keyWidth = Math.min(40, Math.max(0, ...[...rows.keys()].map((k) => k.length)));
    for (const [key, row] of rows) out += rowLine(key, row, keyWidth);
    drawn = rows.size;
    write(out);
  };
  const emit = (e: ReportEvent) => {
    events.push(e);
    if (e.code === 'BuildStarted' && e.subject && typeof e.data?.ref === 'string') ownerOfImage.set(e.data.ref, e.subject);
    if (e.code === 'BuildLine') {
      const owner = e.subject ? ownerOfImage.get(e.subject) : undefined;
      const row = owner ? rows.get(owner) : undefined;
      if (!row || !e.text.trim()) return;
      row.text = `building: ${e.text.trim()}`;
      return redraw();
    }
    if (e.level === 'debug') return;
    if (!e.subject || e.level === 'warn' || (e.level === 'error' && !rows.has(e.subject))) {
      const body = clean(e.text);
      const text = e.level === 'error' ? paint('31', body) : e.level === 'warn' ? paint('33', body) : body;
      return redraw(`${e.subject ? paint('1', clean(e.subject)) + ' ' : ''}${text}`);
    }
    rows.set(e.subject, { text: e.text, state: e.level === 'error' ? 'failed' : DONE_CODES.has(e.code) ? 'done' : 'busy' });
    redraw();
  };
  return reporterOf(emit, events);
}
