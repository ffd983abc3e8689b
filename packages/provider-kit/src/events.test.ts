import { describe, expect, it } from 'vitest';
import { EVENT_CODES, Events, finishesSubject, isCustomEventCode, isEventCode } from './events.js';
import { createMemoryReporter, normalizeEvent } from './reporter.js';

describe('progress event codes', () => {
  it('are one closed set, each constant its own name', () => {
    for (const [name, value] of Object.entries(Events)) expect(value).toBe(name);
    expect(Object.keys(Events).sort()).toEqual(Object.keys(EVENT_CODES).sort());
    expect(isEventCode('ServiceDeployed')).toBe(true);
    for (const not of ['serviceDeployed', 'toString', 'constructor', 'x-mine', '', 42])
      expect(isEventCode(not), String(not)).toBe(false);
  });

  it('name the seven that end a service line on the board', () => {
    const finishing = Object.keys(EVENT_CODES).filter(finishesSubject).sort();
    expect(finishing).toEqual([
      'BuildDone',
      'BuildSkipped',
      'OrphanRemoved',
      'ServiceAdopted',
      'ServiceDeployed',
      'ServiceDestroyed',
      'ServiceUnchanged',
    ]);
    expect(finishesSubject('x-done')).toBe(false);
  });

  it("take a provider's own code only as x-<name>", () => {
    for (const ok of ['x-cache', 'x-my.provider_step-2']) expect(isCustomEventCode(ok), ok).toBe(true);
    for (const bad of ['x-', 'x-\u001b[2J', `x-${'a'.repeat(65)}`, 'cache', 'X-cache', 'x- space'])
      expect(isCustomEventCode(bad), bad).toBe(false);
  });
});

describe('an event from JavaScript', () => {
  it('keeps a registered or x- code, and shows any other under its level', () => {
    expect(normalizeEvent({ level: 'info', code: 'ServiceDeployed', text: 'deployed', subject: 's-a' })).toEqual({
      level: 'info',
      code: 'ServiceDeployed',
      text: 'deployed',
      subject: 's-a',
    });
    expect(normalizeEvent({ level: 'warn', code: 'x-slow', text: 't' }).code).toBe('x-slow');
    expect(normalizeEvent({ level: 'info', code: 'MadeUp', text: 't' }).code).toBe('Info');
    expect(normalizeEvent({ level: 'warn', code: 'MadeUp', text: 't' }).code).toBe('Warning');
    expect(normalizeEvent({ level: 'error', code: 'MadeUp', text: 't' }).code).toBe('Error');
    expect(normalizeEvent({ level: 'loud', code: 'MadeUp', text: 't' })).toEqual({
      level: 'info',
      code: 'Info',
      text: 't',
    });
  });

  it('has text and subject as strings and data only as a plain object', () => {
    expect(normalizeEvent({ level: 'info', code: 'Info', text: 42, subject: 7, data: [1] })).toEqual({
      level: 'info',
      code: 'Info',
      text: '42',
      subject: '7',
    });
    expect(normalizeEvent({ text: { not: 'a string' } }).text).toBe('{"not":"a string"}');
    expect(normalizeEvent('just text')).toEqual({ level: 'info', code: 'Info', text: 'just text' });
    expect(normalizeEvent(null)).toEqual({ level: 'info', code: 'Info', text: '' });
  });

  it('passes the reporter methods the same way', () => {
    const r = createMemoryReporter();
    r.info('building', 's-a', Events.BuildStarted, { ref: 'img:1' });
    (r.info as (...a: unknown[]) => void)('mine', 's-a', 'NotACode');
    r.warn('slow', undefined, 'x-slow');
    r.debug('$ docker ps');
    expect(r.events.map((e) => [e.level, e.code])).toEqual([
      ['info', 'BuildStarted'],
      ['info', 'Info'],
      ['warn', 'x-slow'],
      ['debug', 'Debug'],
    ]);
    expect(r.events[0]!.data).toEqual({ ref: 'img:1' });
  });
});
