// until(): returns the condition's first value once it holds, fails naming what it waited for when the
// deadline passes or the wait is given up, and keeps the last error of a check that throws.
import { describe, expect, it } from 'vitest';
import { until } from './until.js';

describe('until', () => {
  it('returns the first value that holds, checking again until then', async () => {
    let calls = 0;
    const value = await until('the third call', () => (++calls >= 3 ? `call ${calls}` : undefined), { intervalMs: 1 });
    expect(value).toBe('call 3');
    expect(calls).toBe(3);
  });

  it('takes an empty string or zero as a value, false and null as not yet', async () => {
    expect(await until('an empty page', async () => '', { intervalMs: 1 })).toBe('');
    expect(await until('a zero', () => 0, { intervalMs: 1 })).toBe(0);
    let n = 0;
    expect(await until('true', () => (n++ === 0 ? null : n++ === 2 ? false : true), { intervalMs: 1 })).toBe(true);
  });

  it('fails after the deadline naming what it waited for, the last error and the detail', async () => {
    const wait = until('the registry to answer', () => Promise.reject(new Error('ECONNREFUSED')), {
      timeoutMs: 30,
      intervalMs: 5,
      detail: () => 'log: listening soon',
    });
    await expect(wait).rejects.toThrow(
      /^timed out after 30 ms waiting for the registry to answer \(last check threw: ECONNREFUSED\)\nlog: listening soon$/,
    );
  });

  it('gives up at once when told why, without waiting for the deadline', async () => {
    let calls = 0;
    const wait = until('sshd to listen', () => (calls++, false), {
      timeoutMs: 60_000,
      intervalMs: 1,
      giveUpIf: () => (calls >= 2 ? 'sshd exited with 255' : undefined),
    });
    await expect(wait).rejects.toThrow('gave up waiting for sshd to listen: sshd exited with 255');
    expect(calls).toBe(2);
  });
});
