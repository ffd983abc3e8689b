// The sink for people: progress on stderr (the live board or plain lines), results on
// stdout, questions asked on the terminal. The document is filled but never printed.
import { formatLine } from '../logFormat.js';
import { baseSink, unattendedAnswer } from './base.js';
import type { ConfirmRequest, HumanResult, OutputSink, SinkIo } from './types.js';

// Asks on stderr and reads one line from stdin: `y`/`yes` is yes, Enter the default, anything else no.
async function ask(r: ConfirmRequest): Promise<boolean> {
  const rl = (await import('node:readline/promises')).createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${r.question} ${r.default ? '[Y/n]' : '[y/N]'} `)).trim();
    return answer === '' ? r.default : /^y(es)?$/i.test(answer);
  } finally {
    rl.close();
  }
}

export function createHumanSink(io: SinkIo): OutputSink {
  const base = baseSink(io, false);
  return {
    ...base,
    result(fields, human) {
      Object.assign(base.doc, fields);
      const out: HumanResult | string | undefined = human?.();
      const r = typeof out === 'string' ? { stdout: out } : out;
      if (r?.stdout) io.stdout(r.stdout);
      if (r?.stderr) base.note(r.stderr);
    },
    request: async (r) => (r.answer === undefined && io.interactive() ? ask(r) : unattendedAnswer(r)),
    usage: (text) => io.stdout(text),
    lines({ timestamps }) {
      // Colour on a terminal only (and not with NO_COLOR): pctl's escapes around cleaned text, written raw.
      const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && Boolean(io.rawStdout);
      let width = 0;
      return (r) => {
        width = Math.max(width, r.service.length + 1 + r.replica.length);
        const text = formatLine(r, { timestamps, colour, width }, io.clean);
        if (colour) io.rawStdout!(text);
        else io.stdout(text);
      };
    },
    events: () => (e) => base.note(io.clean(e.text)),
    live: (text) => io.stdout(text.endsWith('\n') ? text : `${text}\n`),
    finish: () => undefined,
  };
}
