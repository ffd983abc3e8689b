// The sink for programs (--json): stdout carries exactly one document, printed by finish;
// progress and notes still go to stderr for the person watching; nobody is asked anything
// (a question takes --yes, or fails or takes its default as the request says).
import { jsonLine } from '../logFormat.js';
import { baseSink, unattendedAnswer } from './base.js';
import type { OutputSink, SinkIo } from './types.js';

export function createJsonSink(io: SinkIo): OutputSink {
  const base = baseSink(io, true);
  return {
    ...base,
    result: (fields) => void Object.assign(base.doc, fields),
    request: async (r) => unattendedAnswer(r),
    // Help and version text would break the document: they go to stderr.
    usage: (text) => void process.stderr.write(text),
    // The one streaming form: one JSON object per line, masked inside its strings, before the document.
    lines: () => (r) => io.writeDocument(jsonLine(io.maskDeep(r))),
    events: () => (e) => io.writeDocument(`${JSON.stringify(io.maskDeep(e))}\n`),
    live: (text) => base.note(text.replace(/\n$/, '')),
    finish(exitCode, failed = exitCode !== 0) {
      base.doc.ok = !failed;
      // Masked inside its strings only, then written as is: a secret that reads `true` or
      // `error` must not turn the document's structure into `***`.
      io.writeDocument(JSON.stringify(io.maskDeep(base.doc)) + '\n');
    },
  };
}
