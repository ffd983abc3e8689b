import { describe, expect, it } from 'vitest';
import { frameReader, lineReader } from './frames.js';
import { unixNanos } from './logs.js';

const frame = (kind: number, text: string | Buffer) => {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = kind;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe('the engine stream, demultiplexed', () => {
  it('gives each frame to its stream, whatever the cuts of the transport', () => {
    const all = Buffer.concat([
      frame(1, 'out one\n'),
      frame(2, Buffer.from([0, 13, 10, 255])),
      frame(1, ''),
      frame(1, 'out two'),
    ]);
    for (const cut of [1, 3, 7, 8, 9, all.length]) {
      const got: [string, Buffer][] = [];
      const r = frameReader((s, b) => got.push([s, Buffer.from(b)]));
      for (let i = 0; i < all.length; i += cut) r.push(all.subarray(i, i + cut));
      expect(got.map(([s, b]) => `${s}:${b.toString('hex')}`)).toEqual([
        `stdout:${Buffer.from('out one\n').toString('hex')}`,
        'stderr:000d0aff',
        `stdout:${Buffer.from('out two').toString('hex')}`,
      ]);
      expect(r.rest()).toBe(0);
    }
  });

  it('cuts whole lines per stream, a line split over chunks kept whole, CRLF as LF, the unfinished one on flush', () => {
    const got: string[] = [];
    const lines = lineReader((s, l) => got.push(`${s}:${l}`));
    lines.push('stdout', Buffer.from('a\r\nb'));
    lines.push('stderr', Buffer.from('e1\n'));
    lines.push('stdout', Buffer.from('c\n\nd'));
    expect(got).toEqual(['stdout:a', 'stderr:e1', 'stdout:bc', 'stdout:']);
    lines.flush();
    expect(got.at(-1)).toBe('stdout:d');
  });

  it("turns the engine's nanosecond times into since/until values exactly", () => {
    expect(unixNanos('2026-12-06T21:13:12.950752968Z')).toBe('1796591592.950752968');
    expect(unixNanos('2026-12-06T21:13:12Z')).toBe('1796591592.000000000');
    expect(unixNanos('2026-12-06T22:13:12.5+01:00')).toBe('1796591592.500000000');
    expect(unixNanos('garbage')).toBeUndefined();
  });
});
