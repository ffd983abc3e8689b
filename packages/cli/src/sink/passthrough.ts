// A stream of bytes written as they are (no mask, no escape: `pctl exec ... > dump.sql` must
// be exact), waiting when the real stream is full.
import { Writable } from 'node:stream';

export function passthroughStream(raw: ((b: Uint8Array) => void) | undefined, real: NodeJS.WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (raw) raw(chunk);
      else real.write(chunk);
      if (real.writableNeedDrain) real.once('drain', () => done());
      else done();
    },
  });
}
