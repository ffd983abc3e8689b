import { describe, expect, it } from 'vitest';
import { maskSecrets } from './exec.js';
import { maskDeep, maskKnown, rememberSecret } from './secrets.js';

describe('secret masking', () => {
  it('masks values of 3 characters and more, longest first, also JSON-escaped', () => {
    expect(maskSecrets('a Qz7 b kX9pW c', ['Qz7', 'kX9pW'])).toBe('a *** b *** c');
    expect(maskSecrets('pw=Qz7kX9pW', ['Qz7', 'Qz7kX9pW'])).toBe('pw=***');
    expect(maskSecrets(JSON.stringify({ v: 'a"b\\c' }), ['a"b\\c'])).toBe('{"v":"***"}');
    expect(maskSecrets('x ab y', ['ab'])).toBe('x ab y');
  });

  it('masks what resolvers produced anywhere in a value, keys included', () => {
    rememberSecret('Vb4nR8tJ');
    expect(maskKnown('token Vb4nR8tJ')).toBe('token ***');
    expect(maskDeep({ list: ['x-Vb4nR8tJ'], Vb4nR8tJ: 1, n: 2 })).toEqual({ list: ['x-***'], '***': 1, n: 2 });
  });
});
