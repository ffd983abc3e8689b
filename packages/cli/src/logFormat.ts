// How `pctl logs` prints: `service/replica | line` (the time first with --timestamps), a
// colour per prefix that stays the same for that prefix on every run (on a terminal only),
// and the JSON form, one object per line.
import type { StreamLine as LogRecord } from './sink/types.js';

/** Foreground colours that read on dark and light terminals: cyan, yellow, green, magenta, blue, bright red, bright cyan, bright green. */
const PALETTE = ['36', '33', '32', '35', '34', '91', '96', '92'];

// The colour of a prefix: a hash of its text, so `web/1` has the same one every run.
export function prefixColour(prefix: string): string {
  let h = 2166136261;
  for (const c of prefix) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export interface LineFormat {
  timestamps: boolean;
  /** Paint prefixes (a terminal, NO_COLOR unset). */
  colour: boolean;
  /** Width the prefixes are padded to, so lines of several replicas align. */
  width: number;
}

// One printed line; `clean` masks and escapes the text that came from the container.
export function formatLine(r: LogRecord, f: LineFormat, clean: (t: string) => string): string {
  const prefix = clean(`${r.service}/${r.replica}`).padEnd(f.width);
  const painted = f.colour ? `\u001b[${prefixColour(prefix.trimEnd())}m${prefix}\u001b[0m` : prefix;
  return `${painted} | ${f.timestamps && r.time ? `${r.time} ` : ''}${clean(r.line)}\n`;
}

// The JSON form of one line: `{service, replica, stream, time, line}` (time null when the platform gave none).
export function jsonLine(r: LogRecord): string {
  return `${JSON.stringify({ service: r.service, replica: r.replica, stream: r.stream, time: r.time ?? null, line: r.line })}\n`;
}
