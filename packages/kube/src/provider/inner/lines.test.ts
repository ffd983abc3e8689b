import { describe, expect, it } from 'vitest';
import { exitCodeOf } from './exec.js';
import { lineSplitter, newerThan } from './lines.js';

describe('lineSplitter', () => {
  it('splits at LF across chunks, keeps a character cut between chunks whole, drops CR before LF', () => {
    const got: string[] = [];
    const s = lineSplitter((l) => got.push(l));
    const euro = Buffer.from('€');
    s.push(Buffer.concat([Buffer.from('a\r\nb'), euro.subarray(0, 1)]));
    s.push(Buffer.concat([euro.subarray(1), Buffer.from('\n\nlast')]));
    expect(got).toEqual(['a', 'b€', '']);
    s.flush();
    expect(got).toEqual(['a', 'b€', '', 'last']);
  });
});

describe('newerThan', () => {
  it('orders RFC 3339 times to the nanosecond', () => {
    expect(newerThan('2026-12-07T00:00:01.000000002Z', '2026-12-07T00:00:01.000000001Z')).toBe(true);
    expect(newerThan('2026-12-07T00:00:01.000000001Z', '2026-12-07T00:00:01.000000001Z')).toBe(false);
    expect(newerThan('2026-12-07T00:00:01Z', '2026-12-07T00:00:01.5Z')).toBe(false);
    expect(newerThan('2026-12-07T01:00:00+01:00', '2026-12-06T23:59:59.9Z')).toBe(true);
  });
});

describe('exitCodeOf', () => {
  it("reads the exit code from pods/exec's final Status", () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '7' }] },
      }),
    ).toBe(7);
    // Another failure (the command did not start) is no exit code.
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError', message: 'no such file' })).toBeUndefined();
  });
});
