// Progress events for people on stderr. On a terminal, progress is live: one line per
// service, rewritten in place as it goes (board.ts); elsewhere (pipes, CI, --verbose) plain
// lines, one per event.
import { Events, reporterOver, type ReportEvent, type Reporter } from '@pctl/provider-kit/reporter';
import { createLiveReporter } from './board.js';
import type { RendererOptions } from './types.js';

// The progress reporter for people: the live board on a terminal, plain lines elsewhere.
export function createHumanReporter(opts: RendererOptions): Reporter & { events: ReportEvent[] } {
  const stream = opts.stream ?? process.stderr;
  const write = opts.write ?? ((t: string) => void stream.write(t));
  const clean = (t: string) => (opts.clean ? opts.clean(t) : t);
  if (stream.isTTY && !opts.verbose && !process.env.CI && process.env.TERM !== 'dumb')
    return createLiveReporter({ ...opts, stream });
  const color = Boolean(stream.isTTY) && !process.env.NO_COLOR && !process.env.CI;
  const paint = (code: string, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const events: ReportEvent[] = [];
  const emit = (e: ReportEvent) => {
    events.push(e);
    // Build output streams per image (prefixed with its tag); other debug lines need --verbose.
    if (e.level === 'debug' && !opts.verbose && e.code !== Events.BuildLine) return;
    const subject = e.subject ? paint('1', clean(e.subject)) + ' ' : '';
    const body = clean(e.text);
    const text =
      e.level === 'error'
        ? paint('31', body)
        : e.level === 'warn'
          ? paint('33', body)
          : e.level === 'debug'
            ? paint('2', body)
            : body;
    write(`${subject}${text}\n`);
  };
  return { events, ...reporterOver(emit) };
}
