// Every write to stdout and stderr goes through one guard: resolved secrets arrive as
// `***` (the core's mask), terminal control characters from a stack file, a state file or
// a provider arrive escaped (no ESC sequence retitles, clears or rewrites the terminal),
// and Node's own debug log (NODE_DEBUG), which prints registry credentials, is dropped.
type Write = typeof process.stdout.write;
type RawWrite = (text: string | Uint8Array) => void;

// C0 and C1 control characters but line feed and tab.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

// Text with every control character but newline and tab shown as an escape (`\x1b`, `\r`).
export function escapeTerminal(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

// A write of Node's util.debuglog (`HTTP 1234: ...`): one chunk, named by a section and this pid.
const debugLogChunk = (text: string) => new RegExp(`^[A-Z][A-Z0-9_]* ${process.pid}: `).test(text);

export interface GuardedOutput {
  /** Writes to the real stream as given: for the JSON document (masked inside its strings) and the live board (its own escape sequences around masked, escaped text). */
  rawStdout: RawWrite;
  rawStderr: RawWrite;
}

// Replaces the write of both streams with one that masks and escapes each chunk first.
export function guardProcessOutput(mask: (text: string) => string): GuardedOutput {
  const nodeDebug = Boolean(process.env.NODE_DEBUG);
  const raw: RawWrite[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (nodeDebug && stream === process.stderr && debugLogChunk(text)) {
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }
      return original(escapeTerminal(mask(text)), ...rest);
    }) as Write;
    raw.push((text) => void original(text));
  }
  return { rawStdout: raw[0]!, rawStderr: raw[1]! };
}
