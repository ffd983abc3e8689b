// Who holds a stack lock, and the rules every lock (the local file, S3's lock object,
// Kubernetes' Lease) applies to it: a holder whose process is gone from this host is
// stale; a live one, or one on another host, is named in the error and removed by
// `pctl state unlock` only with --force. One place, so the backends cannot drift apart.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { PctlError } from '../errors.js';
import type { BackendLockOptions, LockHolder, UnlockedLock } from './backend/types.js';

/** One id per pctl process: names this run in the lock it holds. */
export const RUN_ID = randomUUID();

// True when a process with that pid exists on this machine (pid 0 and negatives never do:
// kill() would signal a process group, not a process).
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// This run, as a lock records it.
export function thisRun(command: string): LockHolder {
  return { pid: process.pid, host: os.hostname(), command, startedAt: new Date().toISOString(), runId: RUN_ID };
}

// True when the holder ran on this host and its process is gone: its lock may be taken over.
export function deadHere(h: { pid: number; host: string }): boolean {
  return h.host === os.hostname() && !processAlive(h.pid);
}

// "pid 123 on host (deploy, since …)" for messages.
export function describeHolder(h: LockHolder | undefined): string {
  return h
    ? `pid ${h.pid} on ${h.host} (${h.command}, since ${h.startedAt})`
    : 'an unknown holder (the lock object holds no valid owner)';
}

// The holder a lock's text names, or undefined when it is not one pctl would write.
export function parseHolder(text: string): LockHolder | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  if (typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid <= 0) return undefined;
  if (typeof o.host !== 'string' || !o.host) return undefined;
  return {
    pid: o.pid,
    host: o.host,
    command: typeof o.command === 'string' ? o.command : '?',
    startedAt: typeof o.startedAt === 'string' ? o.startedAt : '?',
    ...(typeof o.runId === 'string' ? { runId: o.runId } : {}),
  };
}

// `pctl state unlock` without --force, facing a holder that is not known to be gone.
export function liveHolderRefusal(holder: LockHolder | undefined, who: string, where: string): PctlError {
  const why =
    holder && holder.host !== os.hostname()
      ? `on another host (${holder.host}); pctl cannot tell whether it still runs`
      : 'and it is still running';
  return new PctlError({
    code: 'LockHeld',
    message: `stack is locked by ${who} ${why}: ${where}`,
    fault: 'user',
    exitCode: 1,
    hint: 'let it finish, or pass --force if you are sure no run holds it',
  });
}

export interface WaitForLock<Seen> {
  /** Tries to take the lock once; true when this run holds it now. */
  take(): Promise<boolean>;
  /** The lock as it is now (undefined: gone, try again); `stale` ones are taken over by `takeOver`. */
  inspect(): Promise<(Seen & { stale: boolean; holder: LockHolder | undefined }) | undefined>;
  /** Replaces exactly the stale lock seen; true when this run won it. */
  takeOver(seen: Seen): Promise<boolean>;
  /** After a lost take-over: try `take` again (the stale lock was removed), or look at the winner's lock first. */
  afterLostTakeOver?: 'take' | 'inspect';
  /** Names the holder in messages. */
  describe(seen: Seen & { holder: LockHolder | undefined }): string;
  where: string;
  wait: boolean;
  timeoutMs?: number;
  pollMs: number;
  onWait?: (holder: LockHolder | undefined) => void;
  signal?: AbortSignal;
}

// The waiting half of `WaitForLock` a backend lock at `where` takes from its options.
export function waitingAs(where: string, opts: BackendLockOptions) {
  return {
    where,
    wait: opts.wait,
    timeoutMs: opts.timeoutMs,
    pollMs: opts.pollMs ?? 500,
    onWait: opts.onWait,
    signal: opts.signal,
  };
}

// The taking loop every lock shares: take, else take over a stale lock, else fail at once
// naming the holder, or wait for it up to the timeout (--lock-timeout).
export async function waitForLock<Seen>(w: WaitForLock<Seen>): Promise<void> {
  const timeoutMs = w.wait ? (w.timeoutMs ?? 0) : 0;
  const deadline = Date.now() + timeoutMs;
  let told = false;
  let skipTake = false;
  for (;;) {
    if (!skipTake && (await w.take())) return;
    skipTake = false;
    const seen = await w.inspect();
    if (!seen) continue;
    if (seen.stale) {
      if (await w.takeOver(seen)) return;
      skipTake = w.afterLostTakeOver === 'inspect';
      continue;
    }
    if (timeoutMs <= 0) {
      throw new PctlError({
        code: 'LockHeld',
        message: `stack is locked by ${w.describe(seen)}: ${w.where}`,
        fault: 'user',
        exitCode: 1,
        hint: 'wait for that run to finish (--lock-timeout 5m waits), or run `pctl state unlock` if that process is gone',
      });
    }
    if (!told) {
      w.onWait?.(seen.holder);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new PctlError({
        code: 'LockTimeout',
        message: `gave up after ${Math.round(timeoutMs / 1000)}s waiting for the lock held by ${w.describe(seen)}: ${w.where}`,
        fault: 'environment',
        hint: 'raise --lock-timeout, or run `pctl state unlock` if that process is gone',
      });
    }
    if (w.signal?.aborted)
      throw new PctlError({
        code: 'Interrupted',
        message: 'interrupted while waiting for the lock',
        fault: 'user',
        exitCode: 130,
      });
    await new Promise((r) => setTimeout(r, w.pollMs));
  }
}

// `pctl state unlock` with no lock to remove at `where`.
export function notLocked(where: string): PctlError {
  return new PctlError({
    code: 'NotLocked',
    message: `the stack is not locked: ${where} does not exist`,
    fault: 'user',
    exitCode: 1,
  });
}

// `pctl state unlock` for a lock object read with `inspect` and removed only while it is the
// version seen (`removeIf`): a holder alive here, or on another host, only with `force`.
export async function unlockWith<Seen extends { stale: boolean; holder: LockHolder | undefined }>(
  where: string,
  force: boolean,
  inspect: () => Promise<Seen | undefined>,
  removeIf: (seen: Seen) => Promise<boolean>,
): Promise<UnlockedLock> {
  const seen = await inspect();
  if (!seen) throw notLocked(where);
  if (!seen.stale && !force) throw liveHolderRefusal(seen.holder, describeHolder(seen.holder), where);
  if (!(await removeIf(seen))) {
    throw new PctlError({
      code: 'LockHeld',
      message: `the lock ${where} changed while unlocking (another run took it); nothing removed`,
      fault: 'user',
      exitCode: 1,
    });
  }
  return { where, holder: seen.holder };
}
