import { describe, expect, it } from 'vitest';
import { isExcluded, parseDockerignore } from './dockerignore.js';
import { compileGlob, matchGlob, type MatchCounter } from './globMatch.js';

// moby/patternmatcher's regex for a pattern (the reference the engine tests also agree with).
function mobyRegex(p: string): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        re += i + 1 >= p.length ? '.*' : '(.*/)?';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if ('.+()|{}$'.includes(c)) re += `\\${c}`;
    else re += c;
  }
  return new RegExp(`${re}$`);
}

describe('glob matching without backtracking', () => {
  it('40 lines of **/**/**/**/**/**/**/**/**/x over a 200-folder path cost a bounded number of steps', () => {
    const line = '**/**/**/**/**/**/**/**/**/x';
    const patterns = parseDockerignore(Array.from({ length: 40 }, () => line).join('\n'));
    const deep = Array.from({ length: 200 }, (_, i) => `d${i}`).join('/');
    const counter: MatchCounter = { steps: 0 };
    expect(isExcluded(`${deep}/y`, patterns, counter)).toBe(false);
    expect(isExcluded(`${deep}/x`, patterns, counter)).toBe(true);
    expect(isExcluded(`${deep}/x/under`, patterns, counter)).toBe(true);
    // Each path visits at most (length + 1) x (2 x tokens + 1) states per pattern, twice
    // (entering and scanning): polynomial, whatever the nesting of `**`.
    const tokens = patterns[0]!.glob.tokens.length;
    const bound = 40 * 3 * 2 * (deep.length + 9) * (2 * tokens + 1);
    expect(counter.steps).toBeGreaterThan(0);
    expect(counter.steps).toBeLessThanOrEqual(bound);
    // Doubling the path at most doubles the work: linear in the path.
    const twice: MatchCounter = { steps: 0 };
    isExcluded(`${deep}/${deep}/y`, patterns, twice);
    const once: MatchCounter = { steps: 0 };
    isExcluded(`${deep}/y`, patterns, once);
    expect(twice.steps).toBeLessThanOrEqual(2.1 * once.steps);
  });

  it("agrees with patternmatcher's regex on every pattern x path of a grid", () => {
    const patterns = [
      '*',
      '**',
      '**/x',
      'a/**',
      'a/**/b',
      '**/a/**/b/**',
      '*.log',
      'a*/b?',
      'a/*/c',
      '**/**/x',
      'a**b',
      '?',
      'a/b',
      'x[0-9]',
      'x[^a]',
      'x[!a]',
      '^x',
      'a^b',
      '**/^x',
    ];
    const paths = [
      'x',
      'a',
      'ab',
      'a/b',
      'a/x/b',
      'a/b/c',
      'a/x/y/b/z',
      'b.log',
      'l/b.log',
      'ax/by',
      'x1',
      'xa',
      'x!',
      'q/x',
      'q/r/x',
      'a/c/c',
      '^x',
      'a^b',
    ];
    for (const p of patterns) {
      const glob = compileGlob(p, 'dockerignore');
      const re = mobyRegex(p);
      for (const f of paths) expect(matchGlob(glob, f), `${p} vs ${f}`).toBe(re.test(f));
    }
  });

  it('filepath.Match: a star stays in one folder, ^ negates a class, \\ escapes', () => {
    const m = (p: string, f: string) => matchGlob(compileGlob(p, 'filepath'), f);
    expect(m('*.js', 'a.js')).toBe(true);
    expect(m('*.js', 'src/a.js')).toBe(false);
    expect(m('s**', 'src/a')).toBe(false);
    expect(m('x[^a]', 'xb')).toBe(true);
    expect(m('x[^a]', 'xa')).toBe(false);
    expect(m('a\\*', 'a*')).toBe(true);
    expect(m('a\\*', 'ab')).toBe(false);
    expect(compileGlob('a[', 'filepath').error).toMatch(/unclosed/);
  });
});
