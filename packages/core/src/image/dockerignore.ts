// `.dockerignore` with Docker's own rules (moby/patternmatcher and the docker CLI's
// context walk): patterns cleaned like Go's filepath.Clean, a leading `/` dropped, `!`
// exceptions evaluated in order, and a pattern matching a parent folder matching the file.

export interface IgnorePattern {
  /** The cleaned pattern text, without `!`. */
  text: string;
  exclusion: boolean;
  regex: RegExp;
}

// Go's path.Clean for slash-separated paths.
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

// Reads `.dockerignore` text into patterns, in order.
export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    if (rawLine.startsWith('#')) continue;
    let line = rawLine.trim();
    if (!line) continue;
    let exclusion = false;
    if (line.startsWith('!')) {
      exclusion = true;
      line = line.slice(1).trim();
    }
    if (line.length > 0) {
      line = cleanPath(line);
      if (line.length > 1 && line.startsWith('/')) line = line.slice(1);
    }
    patterns.push({ text: line, exclusion, regex: compile(line) });
  }
  return patterns;
}

// Pattern to regex exactly as patternmatcher does: `**` (eating a following `/`) becomes
// `(.*/)?`, or `.*` at the end; `*` and `?` stay within one folder; `[`/`]` pass through
// (so `[!a]` means "! or a", as in Docker); `\\` escapes the next character.
function compile(pattern: string): RegExp {
  let re = '^';
  const p = pattern;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        re += i + 1 >= p.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if ('.+()|{}$'.includes(c)) {
      re += `\\${c}`;
    } else if (c === '\\') {
      if (i + 1 < p.length) {
        i++;
        re += `\\${p[i]}`;
      } else {
        re += '\\\\';
      }
    } else {
      re += c;
    }
  }
  re += '$';
  try {
    return new RegExp(re, 'u');
  } catch {
    try {
      return new RegExp(re);
    } catch {
      return /(?!)/;
    }
  }
}

// True when `file` (slash-separated, relative to the context) is excluded.
export function isExcluded(file: string, patterns: IgnorePattern[]): boolean {
  let matched = false;
  const parents = file.split('/');
  for (const pattern of patterns) {
    // Only an exception can un-match and only a plain pattern can match.
    if (pattern.exclusion !== matched) continue;
    let match = pattern.regex.test(file);
    if (!match && parents.length > 1) {
      for (let i = 1; i < parents.length; i++) {
        if (pattern.regex.test(parents.slice(0, i).join('/'))) {
          match = true;
          break;
        }
      }
    }
    if (match) matched = !pattern.exclusion;
  }
  return matched;
}

// Whether an excluded folder must still be walked: only when an exception's text starts
// with the folder's path (Docker's quirk: `!**/keep` does not reach into an excluded folder).
export function mayReinclude(dir: string, patterns: IgnorePattern[]): boolean {
  const dirSlash = `${dir}/`;
  return patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(dirSlash));
}
