// `.dockerignore` with Docker's own rules (moby/patternmatcher and the docker CLI's
// context walk): patterns cleaned like Go's filepath.Clean, a leading `/` dropped, `!`
// exceptions evaluated in order, and a pattern matching a parent folder matching the file.
// Matching is linear in the path (globMatch.ts): no pattern can make it backtrack.
import { PctlError } from '../errors.js';
import { compileGlob, matchGlob, type CompiledGlob, type MatchCounter } from './globMatch.js';

export interface IgnorePattern {
  /** The cleaned pattern text, without `!`. */
  text: string;
  exclusion: boolean;
  glob: CompiledGlob;
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

// Reads `.dockerignore` text into patterns, in order. A malformed pattern (unclosed `[`,
// trailing `\`) is refused, as Docker refuses the build ("syntax error in pattern").
export function parseDockerignore(text: string, file = '.dockerignore'): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const rawLine = lines[n]!;
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
    const glob = compileGlob(line, 'dockerignore');
    if (glob.error) {
      throw new PctlError({
        code: 'DockerignoreInvalid',
        message: `${file}:${n + 1}: syntax error in pattern ${JSON.stringify(rawLine.trim())}: ${glob.error}`,
        fault: 'user',
        hint: 'Docker refuses this pattern too; escape a literal [ or \\ with a backslash',
      });
    }
    patterns.push({ text: line, exclusion, glob });
  }
  return patterns;
}

// True when `file` (slash-separated, relative to the context) is excluded: the last
// pattern matching it or one of its parent folders decides (MatchesOrParentMatches).
export function isExcluded(file: string, patterns: IgnorePattern[], counter?: MatchCounter): boolean {
  let matched = false;
  for (const pattern of patterns) {
    // Only an exception can un-match and only a plain pattern can match.
    if (pattern.exclusion !== matched) continue;
    if (matchGlob(pattern.glob, file, { orParent: true, counter })) matched = !pattern.exclusion;
  }
  return matched;
}

// Whether an excluded folder must still be walked: only when an exception's text starts
// with the folder's path (Docker's quirk: `!**/keep` does not reach into an excluded folder).
export function mayReinclude(dir: string, patterns: IgnorePattern[]): boolean {
  const dirSlash = `${dir}/`;
  return patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(dirSlash));
}
