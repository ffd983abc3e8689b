// `.pctl/<stack>.draining`: on disk before a start-first deploy makes its first temporary
// container (`.next`, `.proof`, a `.hold` network) or renames an old one `.old`, removed once
// the run settled (every old container drained) or a later run swept the stack. A run killed
// meanwhile leaves it: the next run of the stack, even one that deploys nothing (its services
// unchanged), then finishes or undoes every handover the killed one left, service by service
// (handover.ts), instead of leaving it to the next deploy of each service. A run that finds no
// marker has nothing to sweep and never lists the engine for it.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { replaceFileSync, type ProviderContext } from '@pctl/core';

const markerPath = (ctx: ProviderContext) => path.join(ctx.cwd, '.pctl', `${ctx.stack}.draining`);
const written = new Set<string>();

// Synchronous on purpose: the marker is on disk before the first temporary container is asked for.
export function markDraining(ctx: ProviderContext): void {
  const file = markerPath(ctx);
  if (written.has(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  // Through a fresh temp file renamed over it: a planted symlink is replaced, never followed.
  replaceFileSync(file, `${process.pid} ${new Date().toISOString()}\n`);
  written.add(file);
}

export function mayBeDraining(ctx: ProviderContext): boolean {
  return existsSync(markerPath(ctx));
}

export function clearDraining(ctx: ProviderContext): void {
  const file = markerPath(ctx);
  rmSync(file, { force: true });
  written.delete(file);
}
