// What the human and the JSON sink share: the document, notes on stderr, the progress
// reporter, and the answer to a question nobody is asked.
import { JSON_FORMAT_VERSION, type JsonDocument } from '../jsonOutput.js';
import { createHumanReporter } from './progress.js';
import { passthroughStream } from './passthrough.js';
import type { ConfirmRequest, OutputSink, SinkIo } from './types.js';

// The answer nobody gave: --yes, else the request's unattended rule (fail, or the default).
export function unattendedAnswer(r: ConfirmRequest): boolean {
  if (r.answer !== undefined) return r.answer;
  if (r.unattended) throw r.unattended();
  return r.default;
}

// The parts both renderers share: the document, notes on stderr, the progress reporter.
export function baseSink(
  io: SinkIo,
  json: boolean,
): Omit<OutputSink, 'result' | 'request' | 'usage' | 'finish' | 'lines' | 'live' | 'events'> {
  const doc: JsonDocument = { formatVersion: JSON_FORMAT_VERSION, command: '', ok: true };
  const line = (text: string) => void process.stderr.write(io.mask(text) + '\n');
  let exitCode = { code: 0, failed: false };
  return {
    json,
    doc,
    progress: ({ verbose }) => createHumanReporter({ verbose, clean: io.clean, write: io.rawStderr }),
    note: line,
    warning: line,
    // Under --json stdout holds only the document (and logs' lines): the command's stdout goes to stderr.
    passthrough: (stream) =>
      stream === 'stdout' && !json
        ? passthroughStream(io.rawStdout, process.stdout)
        : passthroughStream(io.rawStderr, process.stderr),
    exitWith: (code, failed = code !== 0) => void (exitCode = { code, failed }),
    exitCode: () => exitCode,
  };
}
