import { describe, expect, it } from 'vitest';
import { expandWord, UNKNOWN_VALUE, type VariableLookup } from './shellExpand.js';

const env: Record<string, string | typeof UNKNOWN_VALUE> = { A: 'web', E: '', U: UNKNOWN_VALUE };
const lookup: VariableLookup = (n) => env[n];
const x = (w: string) => expandWord(w, lookup);

describe('Dockerfile word expansion', () => {
  it('expands $X, ${X} and the :- - :+ + forms as Docker does', () => {
    expect(x('$A/x')).toEqual({ value: 'web/x' });
    expect(x('${A}x')).toEqual({ value: 'webx' });
    expect(x('$NOPE/x')).toEqual({ value: '/x' });
    expect(x('${NOPE:-lib}')).toEqual({ value: 'lib' });
    expect(x('${E:-lib}')).toEqual({ value: 'lib' });
    expect(x('${E-lib}')).toEqual({ value: '' });
    expect(x('${NOPE-lib}')).toEqual({ value: 'lib' });
    expect(x('${A:+set}')).toEqual({ value: 'set' });
    expect(x('${E:+set}')).toEqual({ value: '' });
    expect(x('${E+set}')).toEqual({ value: 'set' });
    expect(x('${NOPE:-${A}/in}')).toEqual({ value: 'web/in' });
    expect(x('${A:?must}')).toEqual({ value: 'web' });
  });

  it('honours escapes and quotes', () => {
    expect(x('\\$A')).toEqual({ value: '$A' });
    expect(x("'$A'")).toEqual({ value: '$A' });
    expect(x('"$A b"')).toEqual({ value: 'web b' });
    expect(x('"\\$A"')).toEqual({ value: '$A' });
    expect(x('a\\ b')).toEqual({ value: 'a b' });
    expect(x('$')).toEqual({ value: '$' });
    expect(x('$-x')).toEqual({ value: '$-x' });
    expect(expandWord('`$A', lookup, '`')).toEqual({ value: '$A' });
  });

  it('reports what it cannot know instead of guessing', () => {
    expect(x('$U/x')).toEqual({ unknown: 'the value of $U is not known before the build' });
    expect(x('${NOPE:?x}')).toHaveProperty('unknown');
    expect(x('${A#w}')).toHaveProperty('unknown');
    expect(x('${A')).toHaveProperty('unknown');
    expect(x("'open")).toHaveProperty('unknown');
  });
});
