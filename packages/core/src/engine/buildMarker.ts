// What pctl started building, on disk before the first build request leaves:
// - `.pctl/<stack>.building`: written before a run starts building images, removed once a
//   deploy or destroy has swept the stack's leaked images. A run killed mid-build leaves it,
//   so the next deploy knows a sweep is due; a deploy that built nothing and finds no marker
//   has nothing to sweep, and so never speaks to the engine (a no-op stays a stat()).
// - `.pctl/<stack>.images`: every image reference pctl tagged by a build, one a line, kept
//   while the engine has it. The sweep removes only these references (the ownership rule:
//   labels are inherited by a user's image built `FROM` pctl's, a recorded tag is not).
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { replaceFileSync } from '../state/replaceFile.js';

export function buildMarkerPath(cwd: string, stack: string): string {
  return path.join(cwd, '.pctl', `${stack}.building`);
}

export function builtImagesPath(cwd: string, stack: string): string {
  return path.join(cwd, '.pctl', `${stack}.images`);
}

// Synchronous on purpose: the marker and the references are on disk before the first build request leaves.
export function markBuilding(cwd: string, stack: string, refs: string[] = []): void {
  const file = buildMarkerPath(cwd, stack);
  mkdirSync(path.dirname(file), { recursive: true });
  replaceFileSync(file, `${process.pid} ${new Date().toISOString()}\n`);
  // Through a fresh temp file renamed over it, as the marker: a planted symlink is replaced, never followed.
  if (refs.length)
    replaceFileSync(
      builtImagesPath(cwd, stack),
      [...new Set([...builtImages(cwd, stack), ...refs])].map((r) => `${r}\n`).join(''),
    );
}

export function buildsMayHaveLeaked(cwd: string, stack: string): boolean {
  return existsSync(buildMarkerPath(cwd, stack));
}

// The image references pctl's builds tagged for the stack (lines that are not one are skipped).
export function builtImages(cwd: string, stack: string): Set<string> {
  let text = '';
  try {
    text = readFileSync(builtImagesPath(cwd, stack), 'utf8');
  } catch {
    return new Set();
  }
  return new Set(text.split('\n').filter((l) => /^[a-z0-9][\w.\-/:@]*$/i.test(l)));
}

// Keeps only these references in the record (those still on the engine), replacing the file.
export function keepBuiltImages(cwd: string, stack: string, refs: Iterable<string>): void {
  const file = builtImagesPath(cwd, stack);
  const lines = [...new Set(refs)];
  if (!lines.length) return rmSync(file, { force: true });
  replaceFileSync(file, lines.map((r) => `${r}\n`).join(''));
}

export function clearBuilding(cwd: string, stack: string): void {
  rmSync(buildMarkerPath(cwd, stack), { force: true });
}
