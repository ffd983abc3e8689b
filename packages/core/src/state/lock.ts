// One run per stack at a time: `pctl.<stack>.json.lock` holds the owner's pid and host.
// Creation is atomic (a hard link of a complete temp file, which fails if the lock
// exists); take-over of a stale lock is atomic too (see lockFile.ts, removeIfUnchanged).
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { PctlError } from '../errors.js';
import { liveHolderRefusal, notLocked, waitForLock } from './holder.js';
import { describeOwner, inspectLock, removeIfUnchanged, type LockOwner, type LockSnapshot } from './lockFile.js';

export interface LockOptions {
  /** Wait for a held lock or fail at once (`--no-wait`); `timeoutMs` bounds the wait. */
  wait: boolean;
  /** Give up waiting after this many ms (`--lock-timeout`; default 0: fail at once). */
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

// The lock file next to a state file.
export function lockPath(stateFile: string): string {
  return `${stateFile}.lock`;
}

const LINK_UNSUPPORTED = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'];

// Creates the lock with its content at once; false when a lock already exists.
async function tryCreate(file: string, me: LockOwner): Promise<boolean> {
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
      if (!LINK_UNSUPPORTED.includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      await fs.writeFile(file, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

// Takes the lock, taking over one left by a dead process on this host.
export async function acquireLock(stateFile: string, opts: LockOptions): Promise<HeldLock> {
  const file = lockPath(stateFile);
  const me: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    command: opts.command,
    startedAt: new Date().toISOString(),
  };
  await waitForLock<LockSnapshot & { kind: 'lock' }>({
    take: () => tryCreate(file, me),
    inspect: async () => {
      const seen = await inspectLock(file);
      if (seen?.kind === 'foreign') {
        throw new PctlError({
          code: 'LockInvalid',
          message: `the lock file ${file} is a ${seen.type}, not a lock pctl wrote`,
          fault: 'user',
          hint: "remove it (it is not pctl's), then run again",
        });
      }
      return seen && { ...seen, holder: seen.owner };
    },
    // Only the one who removes exactly the lock it inspected goes on to create its own; others retry.
    takeOver: async (seen) => {
      await removeIfUnchanged(file, seen);
      return false;
    },
    describe: (seen) => describeOwner(seen.owner),
    where: file,
    wait: opts.wait,
    timeoutMs: opts.timeoutMs,
    pollMs: opts.pollMs ?? 200,
    onWait: opts.onWait,
    signal: opts.signal,
  });
  return heldLock(file, me);
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

// The handle of a lock this process created; release removes it only while it is ours.
function heldLock(file: string, me: LockOwner): HeldLock {
  held.add(file);
  return {
    file,
    release: async () => {
      held.delete(file);
      const now = await inspectLock(file);
      if (
        now?.kind === 'lock' &&
        now.owner &&
        now.owner.pid === me.pid &&
        now.owner.host === me.host &&
        now.owner.startedAt === me.startedAt
      ) {
        await fs.rm(file, { force: true });
      }
    },
  };
}

export interface UnlockResult {
  file: string;
  removed: LockSnapshot;
}

// `pctl state unlock`: removes a lock left behind. A holder alive on this host, or one
// on another host (whose liveness pctl cannot see), is removed only with `force`.
export async function unlockStack(stateFile: string, opts: { force: boolean }): Promise<UnlockResult> {
  const file = lockPath(stateFile);
  const seen = await inspectLock(file);
  if (!seen) throw notLocked(file);
  if (seen.kind === 'foreign') {
    throw new PctlError({
      code: 'LockInvalid',
      message: `the lock file ${file} is a ${seen.type}, not a lock pctl wrote; pctl does not remove it`,
      fault: 'user',
      hint: 'remove it yourself',
    });
  }
  if (!seen.stale && !opts.force) throw liveHolderRefusal(seen.owner, describeOwner(seen.owner), file);
  if (!(await removeIfUnchanged(file, seen))) {
    throw new PctlError({
      code: 'LockHeld',
      message: `the lock ${file} changed while unlocking (another run took it); nothing removed`,
      fault: 'user',
      exitCode: 1,
    });
  }
  return { file, removed: seen };
}
