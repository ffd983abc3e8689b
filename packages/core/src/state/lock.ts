// One run per stack at a time: `pctl.<stack>.json.lock` holds the owner's pid and host.
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { PctlError } from '../errors.js';

export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export interface LockOptions {
  /** Wait for a held lock (default) or fail at once. */
  wait: boolean;
  /** Give up waiting after this many ms (default: 10 minutes). */
  timeoutMs?: number;
  pollMs?: number;
  command: string;
  onWait?: (owner: LockOwner | undefined) => void;
  signal?: AbortSignal;
}

export interface HeldLock {
  file: string;
  release(): Promise<void>;
}

export function lockPath(stateFile: string): string {
  return `${stateFile}.lock`;
}

// True when a process with that pid exists on this machine.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined | 'missing'> {
  try {
    const text = await fs.readFile(file, 'utf8');
    const o = JSON.parse(text) as LockOwner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return undefined;
  }
}

function describe(owner: LockOwner | undefined): string {
  return owner ? `pid ${owner.pid} on ${owner.host} (${owner.command}, since ${owner.startedAt})` : 'an unknown process';
}

// Lock files this process holds now, for a release on the way out.
const held = new Set<string>();

// How many stack locks this process holds now (0: nothing it does needs finishing).
export function heldLockCount(): number {
  return held.size;
}

// Removes every lock this process still holds, synchronously: for an exit that cannot
// wait for the normal release (a second Ctrl-C, a step that never settled).
export function releaseHeldLocksSync(): void {
  for (const file of held) {
    try {
      const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
      if (o.pid === process.pid && o.host === os.hostname()) rmSync(file, { force: true });
    } catch {
      /* gone already, or not ours */
    }
  }
  held.clear();
}

// Takes the lock, taking over one left by a dead process on this host.
export async function acquireLock(stateFile: string, opts: LockOptions): Promise<HeldLock> {
  const file = lockPath(stateFile);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), command: opts.command, startedAt: new Date().toISOString() };
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  let told = false;
  for (;;) {
    // The lock appears with its content at once: written to a temp file, then hard-linked
    // into place (link fails if the lock exists), so a waiter never reads it empty.
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const fh = await fs.open(tmp, 'wx', 0o644);
      try {
        await fh.writeFile(JSON.stringify(me) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await fs.link(tmp, file);
      } catch (e) {
        // A filesystem without hard links: an exclusive create, written right after.
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        await fs.writeFile(file, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
      }
      await fs.rm(tmp, { force: true });
      held.add(file);
      return {
        file,
        release: async () => {
          held.delete(file);
          const o = await readOwner(file);
          if (o !== 'missing' && o?.pid === me.pid && o.host === me.host) await fs.rm(file, { force: true });
        },
      };
    } catch (e) {
      await fs.rm(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readOwner(file);
    if (owner === 'missing') continue;
    if (await isStale(file, owner)) {
      // Rename first so two waiters cannot both remove a fresh lock.
      const grave = `${file}.stale.${process.pid}`;
      try {
        await fs.rename(file, grave);
        await fs.rm(grave, { force: true });
      } catch {
        /* someone else took it over */
      }
      continue;
    }
    if (!opts.wait) {
      throw new PctlError({
        code: 'LockHeld',
        message: `stack is locked by ${describe(owner)}: ${file}`,
        fault: 'user',
        exitCode: 1,
        hint: 'wait for that run to finish (drop --no-wait to wait), or remove the lock file if that process is gone',
      });
    }
    if (!told) {
      opts.onWait?.(owner);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new PctlError({ code: 'LockTimeout', message: `gave up waiting for the lock held by ${describe(owner)}: ${file}`, fault: 'environment' });
    }
    if (opts.signal?.aborted) throw new PctlError({ code: 'Interrupted', message: 'interrupted while waiting for the lock', exitCode: 130 });
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
  }
}

async function isStale(file: string, owner: LockOwner | undefined): Promise<boolean> {
  if (!owner) {
    // An empty or torn lock file: its writer died between create and write, unless it is brand new.
    try {
      const st = await fs.stat(file);
      return Date.now() - st.mtimeMs > 5_000;
    } catch {
      return false;
    }
  }
  if (owner.host !== os.hostname()) return false;
  return !processAlive(owner.pid);
}
