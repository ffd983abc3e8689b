import { describe, expect, it } from 'vitest';
import { formatLine, jsonLine, prefixColour } from './logFormat.js';

const r = {
  service: 'web',
  replica: '2',
  stream: 'stderr' as const,
  time: '2026-12-06T21:13:12.950752968Z',
  line: 'hello',
};

describe('pctl logs lines', () => {
  it('prefixes service/replica, pads to align, shows the time only with --timestamps', () => {
    expect(formatLine(r, { timestamps: false, colour: false, width: 8 }, (t) => t)).toBe('web/2    | hello\n');
    expect(formatLine(r, { timestamps: true, colour: false, width: 0 }, (t) => t)).toBe(
      'web/2 | 2026-12-06T21:13:12.950752968Z hello\n',
    );
  });

  it('paints a prefix with the same colour every time, on a terminal only', () => {
    expect(prefixColour('web/1')).toBe(prefixColour('web/1'));
    expect(new Set(['web/1', 'web/2', 'api/1', 'db/1', 'worker/3'].map(prefixColour)).size).toBeGreaterThan(1);
    expect(formatLine(r, { timestamps: false, colour: true, width: 0 }, (t) => t)).toBe(
      `\u001b[${prefixColour('web/2')}mweb/2\u001b[0m | hello\n`,
    );
  });

  it('cleans what the container wrote (escapes, masks) but never the prefix colour', () => {
    const line = formatLine({ ...r, line: 'a\u001b[2Jb' }, { timestamps: false, colour: true, width: 0 }, (t) =>
      t.replace(/\u001b/g, '\\x1b'),
    );
    expect(line.endsWith('| a\\x1b[2Jb\n')).toBe(true);
  });

  it('is one JSON object per line in --json, time null when the platform gave none', () => {
    expect(JSON.parse(jsonLine(r))).toEqual({
      service: 'web',
      replica: '2',
      stream: 'stderr',
      time: r.time,
      line: 'hello',
    });
    expect(jsonLine({ ...r, time: undefined })).toBe(
      '{"service":"web","replica":"2","stream":"stderr","time":null,"line":"hello"}\n',
    );
  });
});
