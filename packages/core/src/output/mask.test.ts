import { describe, expect, it } from 'vitest';
import { maskDeep, maskKnown, maskSecrets, rememberSecret, secretForms } from './mask.js';

describe('secret masking', () => {
  it('masks values of 3 characters and more, longest first, also JSON-escaped', () => {
    expect(maskSecrets('a Qz7 b kX9pW c', ['Qz7', 'kX9pW'])).toBe('a *** b *** c');
    expect(maskSecrets('pw=Qz7kX9pW', ['Qz7', 'Qz7kX9pW'])).toBe('pw=***');
    expect(maskSecrets(JSON.stringify({ v: 'a"b\\c' }), ['a"b\\c'])).toBe('{"v":"***"}');
    expect(maskSecrets('x ab y', ['ab'])).toBe('x ab y');
  });

  it('masks what resolvers produced inside string values, never the keys or the structure', () => {
    rememberSecret('Vb4nR8tJ');
    expect(maskKnown('token Vb4nR8tJ')).toBe('token ***');
    expect(maskDeep({ list: ['x-Vb4nR8tJ'], Vb4nR8tJ: 1, n: 2 })).toEqual({ list: ['x-***'], Vb4nR8tJ: 1, n: 2 });
    const doc = maskDeep({ ok: true, error: { code: 'CommandFailed', message: 'LOG_LEVEL is true' } }, [
      'true',
      'code',
      'error',
    ]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual({
      ok: true,
      error: { code: 'CommandFailed', message: 'LOG_LEVEL is ***' },
    });
  });

  it('masks a secret trimmed, each line of a multi-line one, and its escaped forms', () => {
    expect(maskSecrets('error: s3cr3t-value failed', ['  s3cr3t-value\n'])).toBe('error: *** failed');
    const pem = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----';
    expect(maskSecrets('last lines:\nBKcwggSjAgEAAoIBAQC7\n-----END KEY-----', [pem])).toBe('last lines:\n***\n***');
    expect(maskSecrets('bad value "pw\\x00rest-of-it"', ['pw\0rest-of-it'])).toBe('bad value "***"');
    expect(maskSecrets('{"m":"pw\\u0000rest-of-it"}', ['pw\0rest-of-it'])).toBe('{"m":"***"}');
    expect(maskSecrets('cut at the NUL: rest-of-it', ['pw\0rest-of-it'])).toBe('cut at the NUL: ***');
    expect(secretForms('ab')).toEqual([]);
  });
});
