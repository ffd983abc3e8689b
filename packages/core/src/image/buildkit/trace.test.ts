import { describe, expect, it } from 'vitest';
import { Message, Writer, readFields } from './protobuf.js';
import { BuildKitStatus } from './status.js';
import { decodeStatus, traceOf } from './trace.js';

// A StatusResponse as the engine sends it, built field by field (control.proto numbers).
const ts = (s: number, nanos = 0) => new Writer().varint(1, s).varint(2, nanos).finish();
const vertex = (v: {
  digest: string;
  name: string;
  cached?: boolean;
  started?: number;
  completed?: number;
  error?: string;
}) => {
  const w = new Writer().bytes(1, v.digest).bytes(3, v.name);
  if (v.cached) w.varint(4, true);
  if (v.started !== undefined) w.bytes(5, ts(v.started));
  if (v.completed !== undefined) w.bytes(6, ts(v.completed, 500_000_000));
  if (v.error) w.bytes(7, v.error);
  return w.finish();
};
const log = (digest: string, text: string) =>
  new Writer().bytes(1, digest).bytes(2, ts(1)).varint(3, 1).bytes(4, text).finish();
const response = (parts: { vertexes?: Buffer[]; logs?: Buffer[]; warnings?: Buffer[] }) => {
  const w = new Writer();
  for (const v of parts.vertexes ?? []) w.bytes(1, v);
  for (const l of parts.logs ?? []) w.bytes(3, l);
  for (const x of parts.warnings ?? []) w.bytes(4, x);
  return w.finish();
};

describe('protobuf reader', () => {
  it('reads varints past 32 bits, negative int64 and length-delimited fields', () => {
    const buf = new Writer()
      .varint(1, 2n ** 40n)
      .varint(2, -3)
      .bytes(3, 'héllo')
      .finish();
    const m = new Message(buf);
    expect(m.number(1)).toBe(2 ** 40);
    expect(m.number(2)).toBe(-3);
    expect(m.string(3)).toBe('héllo');
    expect(m.string(9)).toBe('');
  });

  it('skips fixed-width fields and rejects truncated input', () => {
    const fixed = Buffer.from([(4 << 3) | 5, 1, 2, 3, 4, (5 << 3) | 0, 7]);
    expect(readFields(fixed).map((f) => f.field)).toEqual([4, 5]);
    expect(() => readFields(Buffer.from([(1 << 3) | 2, 10, 1]))).toThrow(/truncated/);
    expect(() => readFields(Buffer.from([0x80]))).toThrow(/truncated varint/);
  });
});

describe('BuildKit status decoding', () => {
  it('decodes a real trace message from the engine', () => {
    // Captured from POST /build?version=2 on the test engine (Docker 20.10).
    const aux =
      'CosBCkdzaGEyNTY6YTU4ZGE3ZjdjNWUwOTZmZTFjMjUyOGVjNjA2MjE2ZGFiNWNiNDQyZGNiMGRjMzc2YjE4NThjMjA2YWE1ZDdiNRokW2ludGVybmFsXSBsb2FkIHJlbW90ZSBidWlsZCBjb250ZXh0KgwI2ZrX2AYQ/aLHswIyDAjZmtfYBhDZyqLJAg==';
    const s = traceOf({ id: 'moby.buildkit.trace', aux })!;
    expect(s.vertexes).toHaveLength(1);
    expect(s.vertexes[0]).toMatchObject({
      digest: 'sha256:a58da7f7c5e096fe1c2528ec606216dab5cb442dcb0dc376b1858c206aa5d7b5',
      name: '[internal] load remote build context',
      cached: false,
      error: '',
    });
    expect(s.vertexes[0]!.completed! - s.vertexes[0]!.started!).toBeGreaterThanOrEqual(0);
    expect(traceOf({ id: 'moby.image.id', aux: { ID: 'sha256:1' } })).toBeUndefined();
  });

  it('decodes vertexes, logs and warnings', () => {
    const s = decodeStatus(
      response({
        vertexes: [vertex({ digest: 'd1', name: '[1/2] FROM busybox', cached: true, started: 10, completed: 10 })],
        logs: [log('d2', 'hello\n')],
        warnings: [
          new Writer().bytes(1, 'd2').varint(2, 1).bytes(3, 'legacy key/value format').bytes(4, 'detail one').finish(),
        ],
      }),
    );
    expect(s.vertexes[0]).toMatchObject({ digest: 'd1', cached: true, started: 10_000, completed: 10_500 });
    expect(s.logs[0]).toMatchObject({ vertex: 'd2', stream: 1 });
    expect(s.logs[0]!.data.toString()).toBe('hello\n');
    expect(s.warnings[0]).toEqual({
      vertex: 'd2',
      level: 1,
      short: 'legacy key/value format',
      detail: ['detail one'],
      url: '',
    });
  });
});

describe('BuildKit progress lines', () => {
  it("prints one line per step, the logs as log lines, and keeps a failed step's last lines", () => {
    const lines: [string, string][] = [];
    const status = new BuildKitStatus((line, kind) => lines.push([kind, line]));
    status.add(
      decodeStatus(
        response({
          vertexes: [vertex({ digest: 'a', name: '[1/2] FROM busybox', cached: true, started: 1, completed: 1 })],
        }),
      ),
    );
    status.add(decodeStatus(response({ vertexes: [vertex({ digest: 'b', name: '[2/2] RUN make', started: 2 })] })));
    // Output arrives in chunks that split lines.
    status.add(decodeStatus(response({ logs: [log('b', 'compiling\nlin'), log('b', 'king\nerror: boom')] })));
    status.add(
      decodeStatus(
        response({
          vertexes: [vertex({ digest: 'b', name: '[2/2] RUN make', started: 2, completed: 3, error: 'exit code: 2' })],
        }),
      ),
    );
    expect(lines).toEqual([
      ['step', '#1 [1/2] FROM busybox CACHED'],
      ['step', '#2 [2/2] RUN make'],
      ['log', '#2 compiling'],
      ['log', '#2 linking'],
      ['log', '#2 error: boom'],
      ['step', '#2 ERROR: exit code: 2'],
    ]);
    expect(status.failedStep()).toEqual({ name: '#2 [2/2] RUN make', lines: ['compiling', 'linking', 'error: boom'] });
  });

  it('says how long a step took when it completes', () => {
    const lines: string[] = [];
    const status = new BuildKitStatus((line) => lines.push(line));
    status.add(
      decodeStatus(
        response({ vertexes: [vertex({ digest: 'c', name: 'exporting to image', started: 5, completed: 6 })] }),
      ),
    );
    expect(lines).toEqual(['#1 exporting to image', '#1 DONE 1.5s']);
    expect(status.failedStep()).toBeUndefined();
  });
});

describe('hints for frontend failures', () => {
  it('names the # syntax= image an offline engine needs, and the syntax version heredocs need', async () => {
    const { frontendHint } = await import('./hints.js');
    const withSyntax = '# syntax=docker/dockerfile:1.7\nFROM busybox\n';
    expect(
      frontendHint(
        withSyntax,
        'failed to solve with frontend dockerfile.v0: failed to solve with frontend gateway.v0: docker.io/docker/dockerfile:1.7: failed to do request: dial tcp: lookup registry-1.docker.io: no such host',
      ),
    ).toMatch(/docker\/dockerfile:1\.7.*offline engine needs that image/);
    expect(
      frontendHint(
        'FROM busybox\nRUN <<EOF\necho hi\nEOF\n',
        'dockerfile parse error line 3: unknown instruction: ECHO',
      ),
    ).toMatch(/syntax 1\.4/);
    expect(
      frontendHint('FROM busybox\nCOPY --link a /a\n', 'dockerfile parse error line 2: Unknown flag: link'),
    ).toMatch(/syntax 1\.4/);
    expect(
      frontendHint('FROM busybox\nRUN exit 3\n', 'executor failed running [/bin/sh -c exit 3]: exit code: 3'),
    ).toBeUndefined();
  });
});
