// The engine's multiplexed stream (logs and exec without a TTY): frames of an 8-byte
// header (stream 0 stdin / 1 stdout / 2 stderr, three zero bytes, a big-endian size) and
// that many bytes, cut anywhere by the transport. A TTY's stream is raw bytes, no frames.

export type StreamName = 'stdout' | 'stderr';

// A feeder: give it chunks as they arrive, it calls `out` with each frame's payload.
export function frameReader(out: (stream: StreamName, bytes: Buffer) => void): {
  push(chunk: Buffer): void;
  rest(): number;
} {
  let pending: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const kind = pending[0];
        const payload = pending.subarray(8, 8 + size);
        pending = pending.subarray(8 + size);
        if (size) out(kind === 2 ? 'stderr' : 'stdout', payload);
      }
    },
    /** Bytes of an unfinished frame (0 when the stream ended cleanly). */
    rest: () => pending.length,
  };
}

// A line splitter per stream: whole lines (without `\n`, a `\r` before it dropped) as they
// complete; `flush` gives the unfinished last ones.
export function lineReader(out: (stream: StreamName, line: string) => void): {
  push(stream: StreamName, bytes: Buffer): void;
  flush(): void;
} {
  const partial: Record<StreamName, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  const emit = (stream: StreamName, b: Buffer) => out(stream, b.toString('utf8').replace(/\r$/, ''));
  return {
    push(stream, bytes) {
      let buf: Buffer = partial[stream].length ? Buffer.concat([partial[stream], bytes]) : bytes;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10)) {
        emit(stream, buf.subarray(0, i));
        buf = buf.subarray(i + 1);
      }
      partial[stream] = buf;
    },
    flush() {
      for (const s of ['stdout', 'stderr'] as const) if (partial[s].length) emit(s, partial[s]);
      partial.stdout = Buffer.alloc(0);
      partial.stderr = Buffer.alloc(0);
    },
  };
}
