// Private folders (mode 0700) for the sockets of ssh connections, removed by their owner
// and, whatever happens, when the process exits.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const live = new Map<string, () => void>();
let hooked = false;

// A new 0700 folder; `onExit` runs (synchronously) if the process exits before release().
export function privateDir(onExit: () => void = () => undefined): { dir: string; release(): void } {
  // A unix socket path has at most 107 bytes, and ssh appends 17 to its control path while binding.
  const base = os.tmpdir().length <= 60 ? os.tmpdir() : '/tmp';
  const dir = mkdtempSync(path.join(base, 'pctl-ssh-'));
  live.set(dir, onExit);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const [d, fn] of live) {
        try {
          fn();
        } catch {
          /* exiting anyway */
        }
        rmSync(d, { recursive: true, force: true });
      }
    });
  }
  return {
    dir,
    release() {
      live.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
