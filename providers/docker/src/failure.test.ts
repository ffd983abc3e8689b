import { describe, expect, it } from 'vitest';
import { demuxLogs } from './failure.js';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe('container logs', () => {
  it('read a non-TTY log stream frame by frame, stdout and stderr in order', () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'starting\n'), frame(2, 'config file missing\n')]))).toBe(
      'starting\nconfig file missing\n',
    );
  });

  it("read a TTY container's log as plain text", () => {
    expect(demuxLogs(Buffer.from('plain output\n'))).toBe('plain output\n');
  });
});
