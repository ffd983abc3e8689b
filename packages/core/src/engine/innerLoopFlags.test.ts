import { describe, expect, it } from 'vitest';
import { parseSince } from './logs.js';
import { parseForward } from './portForward.js';

describe('logs --since', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  it('takes a duration before now or an RFC 3339 time', () => {
    expect(parseSince('10m', now)!.toISOString()).toBe('2026-12-06T11:50:00.000Z');
    expect(parseSince('1h30m', now)!.toISOString()).toBe('2026-12-06T10:30:00.000Z');
    expect(parseSince('2026-12-01T08:00:00Z')!.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(parseSince('2026-12-01T08:00:00.5+02:00')!.toISOString()).toBe('2026-12-01T06:00:00.500Z');
  });
  it('refuses anything else', () => {
    for (const bad of ['10', 'yesterday', '2026-12-01', '10 m', '-5m', '2026-13-45T99:00:00Z'])
      expect(parseSince(bad, now), bad).toBeUndefined();
  });
});

describe('port-forward ports', () => {
  it('reads [LOCAL:]REMOTE, :REMOTE for any free local port', () => {
    expect(parseForward('8080:80')).toEqual({ local: 8080, remote: 80 });
    expect(parseForward('5432')).toEqual({ local: 5432, remote: 5432 });
    expect(parseForward(':80')).toEqual({ local: 0, remote: 80 });
  });
  it('refuses what is not a port, with a usage error (exit 2)', () => {
    for (const bad of ['0', '70000', 'http', '1:2:3', '80/udp', '-1', '8080:0']) {
      expect(() => parseForward(bad), bad).toThrow(expect.objectContaining({ code: 'BadUsage', exitCode: 2 }));
    }
  });
});
