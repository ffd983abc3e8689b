// The live board: rows keyed by service, redrawn in place after each event (an event whose
// code finishes its subject marks the row done). Lines without a service (and warnings,
// errors) are printed above it and stay.
import { Events, finishesSubject, reporterOver, type ReportEvent, type Reporter } from '@pctl/provider-kit/reporter';
import type { RendererOptions } from './types.js';

const ANSI = /\u001b\[[0-9;]*m/g;

export function createLiveReporter(
  opts: RendererOptions & { stream: NodeJS.WriteStream },
): Reporter & { events: ReportEvent[] } {
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
    if (e.code === Events.BuildStarted && e.subject && typeof e.data?.ref === 'string')
      ownerOfImage.set(e.data.ref, e.subject);
    if (e.code === Events.BuildLine) {
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
    rows.set(e.subject, {
      text: e.text,
      state: e.level === 'error' ? 'failed' : finishesSubject(e.code) ? 'done' : 'busy',
    });
    redraw();
  };
  return { events, ...reporterOver(emit) };
}
