// `.pctl/<stack>.building`: written before a run starts building images, removed once a
// deploy or destroy has swept the stack's leaked images. A run killed mid-build leaves it,
// so the next deploy knows a sweep is due; a deploy that built nothing and finds no marker
// has nothing to sweep, and so never speaks to the engine (a no-op stays a stat()).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { replaceFileSync } from '../state/replaceFile.js';

export function buildMarkerPath(cwd: string, stack: string): string {
  return path.join(cwd, '.pctl', `${stack}.building`);
}

// Synchronous on purpose: the marker is on disk before the first build request leaves.
export function markBuilding(cwd: string, stack: string): void {
  const file = buildMarkerPath(cwd, stack);
  mkdirSync(path.dirname(file), { recursive: true });
  replaceFileSync(file, `${process.pid} ${new Date().toISOString()}\n`);
}

export function buildsMayHaveLeaked(cwd: string, stack: string): boolean {
  return existsSync(buildMarkerPath(cwd, stack));
}

export function clearBuilding(cwd: string, stack: string): void {
  rmSync(buildMarkerPath(cwd, stack), { force: true });
}
