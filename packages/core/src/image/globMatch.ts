// Path globs matched by simulating all positions of the pattern at once (a Thompson NFA),
// never by backtracking: a match costs at most (path length + 1) x (pattern steps + 1)
// state visits, whatever the pattern, as Go's RE2-based matcher guarantees for Docker.

/** One step of a compiled glob. */
export type GlobToken =
  | { kind: 'char'; c: string }
  /** `?`: one character other than `/`. */
  | { kind: 'one' }
  /** `*`: any run of characters other than `/`. */
  | { kind: 'star' }
  // `**` before more pattern: the regex (.*/)?, any run of folders (or none).
  | { kind: 'folders' }
  // `**` at the end: the regex .*, anything.
  | { kind: 'rest' }
  /** `[...]`: one character of a class. */
  | { kind: 'class'; test: (c: string) => boolean }
  /** `^` outside a class in a .dockerignore pattern: Go's regexp reads it as "start of text". */
  | { kind: 'start' };

export interface CompiledGlob {
  tokens: GlobToken[];
  /** Set when the pattern is malformed (unclosed `[`, trailing `\`): Docker refuses it. */
  error?: string;
}

/**
 * `dockerignore`: moby/patternmatcher (`**` spans folders, `[`...`]` passes to Go's regexp,
 * so `[!a]` is "`!` or `a`"). `filepath`: Go's filepath.Match as COPY/ADD wildcards use it
 * (`*` stays in one folder, `[^a]` and `[!a]` negate... Go only knows `^`).
 */
export type GlobDialect = 'dockerignore' | 'filepath';

// Reads `[...]` starting at `start` (the `[`): the class test and the index of its `]`.
function readClass(p: string[], start: number): { test: (c: string) => boolean; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (p[i] === '^') {
    negate = true;
    i++;
  }
  const ranges: [string, string][] = [];
  let first = true;
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false;
    let lo = p[i]!;
    if (lo === '\\') {
      if (i + 1 >= p.length) return undefined;
      lo = p[++i]!;
    }
    let hi = lo;
    if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      hi = p[i + 2]!;
      i += 2;
      if (hi === '\\') {
        if (i + 1 >= p.length) return undefined;
        hi = p[++i]!;
      }
      if (hi < lo) return undefined;
    }
    ranges.push([lo, hi]);
    i++;
  }
  if (i >= p.length || ranges.length === 0) return undefined;
  const set = ranges;
  return { test: (c) => set.some(([lo, hi]) => c >= lo && c <= hi) !== negate, end: i };
}

// Compiles a cleaned pattern into tokens (characters, not UTF-16 units, as Go's scanner reads runes).
export function compileGlob(pattern: string, dialect: GlobDialect): CompiledGlob {
  const p = [...pattern];
  const tokens: GlobToken[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (dialect === 'dockerignore' && p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        tokens.push({ kind: i + 1 >= p.length ? 'rest' : 'folders' });
      } else {
        // `**` in filepath.Match is two stars: the same as one.
        if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      }
    } else if (c === '?') {
      tokens.push({ kind: 'one' });
    } else if (c === '^' && dialect === 'dockerignore') {
      tokens.push({ kind: 'start' });
    } else if (c === '\\') {
      if (i + 1 >= p.length) return { tokens, error: 'a trailing \\ escapes nothing' };
      tokens.push({ kind: 'char', c: p[++i]! });
    } else if (c === '[') {
      const cls = readClass(p, i);
      if (!cls) return { tokens, error: 'an unclosed or empty [ class' };
      tokens.push({ kind: 'class', test: cls.test });
      i = cls.end;
    } else {
      tokens.push({ kind: 'char', c });
    }
  }
  return { tokens };
}

/** Counts state visits, so a test can prove the work is bounded (no backtracking). */
export interface MatchCounter {
  steps: number;
}

// Matches `path` against the glob; with `orParent`, also true when a parent folder of the
// path matches (what `.dockerignore` wants: an ignored folder ignores what is in it).
// States 0..n are "before token i"; n + 1 + i is "inside the folders group of token i".
export function matchGlob(
  glob: CompiledGlob,
  path: string,
  opts: { orParent?: boolean; counter?: MatchCounter } = {},
): boolean {
  if (glob.error) return false;
  const t = glob.tokens;
  const n = t.length;
  let cur = new Uint8Array(2 * n + 1);
  let next = new Uint8Array(2 * n + 1);
  const counter = opts.counter;
  // Adds a state and everything reachable from it without reading a character.
  const add = (set: Uint8Array, s: number, atStart = false) => {
    while (!set[s]) {
      set[s] = 1;
      if (counter) counter.steps++;
      if (s >= n) return;
      const k = t[s]!.kind;
      if (k === 'folders') {
        set[n + 1 + s] = 1;
        s = s + 1;
      } else if (k === 'star' || k === 'rest' || (k === 'start' && atStart)) {
        s = s + 1;
      } else {
        return;
      }
    }
  };
  add(cur, 0, true);
  const chars = [...path];
  for (let ci = 0; ci < chars.length; ci++) {
    const c = chars[ci]!;
    if (opts.orParent && c === '/' && cur[n]) return true;
    next.fill(0);
    let any = false;
    for (let s = 0; s < 2 * n + 1; s++) {
      if (!cur[s]) continue;
      if (counter) counter.steps++;
      if (s > n) {
        // Inside the folders group: any character but a newline; a `/` may end the group.
        const i = s - n - 1;
        if (c !== '\n') {
          next[s] = 1;
          any = true;
          if (counter) counter.steps++;
        }
        if (c === '/') {
          add(next, i + 1);
          any = true;
        }
        continue;
      }
      if (s === n) continue;
      const tok = t[s]!;
      switch (tok.kind) {
        case 'char':
          if (tok.c === c) {
            add(next, s + 1);
            any = true;
          }
          break;
        case 'one':
          if (c !== '/') {
            add(next, s + 1);
            any = true;
          }
          break;
        case 'class':
          if (tok.test(c)) {
            add(next, s + 1);
            any = true;
          }
          break;
        case 'star':
          if (c !== '/') {
            add(next, s);
            any = true;
          }
          break;
        case 'rest':
          if (c !== '\n') {
            add(next, s);
            any = true;
          }
          break;
        case 'folders':
        case 'start':
          break;
      }
    }
    if (!any) return false;
    [cur, next] = [next, cur];
  }
  return cur[n] === 1;
}
