// `pctl dev`'s file watching: the stack file's folder, each build context and Dockerfile
// folder; a burst of events becomes one round, and rounds never overlap.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { isStackFileEvent } from './devChanges.js';
import type { Baseline } from './devBaseline.js';

export class Watcher {
  private watchers: FSWatcher[] = [];
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private dirty = false;
  private key = '';
  private folders: string[] = [];
  afterRound?: () => void;

  constructor(
    private readonly debounceMs: number,
    private readonly onRound: () => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {}

  // Watches what this baseline reads (replacing the folders watched before); returns them.
  watch(base: Baseline): string[] {
    const configPath = base.session.ctx.configPath;
    const recursive = new Set<string>();
    for (const s of base.services) {
      if (!s.target.build) continue;
      recursive.add(s.target.build.contextDir);
      recursive.add(path.dirname(s.target.build.dockerfilePath));
    }
    const key = JSON.stringify([configPath, ...recursive]);
    if (key === this.key) return this.folders;
    this.key = key;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    const open = (dir: string, deep: boolean, filter: (f: string | null) => boolean) => {
      try {
        const w = watch(dir, { recursive: deep }, (_e, f) => filter(f as string | null) && this.schedule());
        w.on('error', (e) => this.onError(e));
        this.watchers.push(w);
      } catch (e) {
        this.onError(e);
      }
    };
    const configDir = path.dirname(configPath);
    open(configDir, false, (f) => isStackFileEvent(configPath, f));
    // pctl's own files (state, lock, hash cache) are written in these folders too: they are
    // no build input, so a round they wake finds nothing changed.
    for (const dir of recursive) open(dir, true, (f) => !f || !/(^|\/)\.pctl(\/|$)/.test(f));
    this.folders = [configDir, ...recursive];
    return this.folders;
  }

  private schedule(): void {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.running.then(async () => {
        if (!this.dirty) return;
        this.dirty = false;
        await this.onRound().catch((e) => this.onError(e));
        this.afterRound?.();
      });
    }, this.debounceMs);
  }

  // Runs work between rounds, never beside one.
  exclusive(work: () => Promise<void>): void {
    this.running = this.running.then(() => work().catch((e) => this.onError(e)));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
    await this.running;
  }
}
