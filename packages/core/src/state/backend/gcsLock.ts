// The gcs backend's lock: an object `<object>.lock` created with `ifGenerationMatch: 0`,
// holding who holds it (as Terraform's gcs backend). A stale one (its holder's process is
// gone from this host, or it names no holder) is replaced with `ifGenerationMatch` on the
// generation the taker read: of many takers racing for it, Cloud Storage lets exactly one
// replace it; the others get 412 and find the winner's lock. Release deletes it only
// while it is still ours (its generation).
import os from 'node:os';
import { PctlError } from '../../errors.js';
import { gcsFailure, type GcsCfg } from './gcsClient.js';
import { deleteObject, readObject, writeObject } from './gcsObject.js';
import { describeHolder, parseHolder, processAlive, RUN_ID } from '../holder.js';
import type { BackendLock, BackendLockOptions, LockHolder, UnlockedLock } from './types.js';

interface SeenLock {
  generation: string;
  text: string;
  holder: LockHolder | undefined;
  stale: boolean;
}

const lockName = (cfg: GcsCfg) => `${cfg.object}.lock`;
const lockUrl = (cfg: GcsCfg) => `gs://${cfg.bucket}/${lockName(cfg)}`;

// The lock as it is now; undefined when there is none.
async function inspect(cfg: GcsCfg): Promise<SeenLock | undefined> {
  try {
    const o = await readObject(cfg, lockName(cfg));
    if (!o) return undefined;
    const holder = parseHolder(o.text);
    // Cloud Storage writes an object whole, so content that names no holder is no write in progress: stale.
    const stale = !holder || (holder.host === os.hostname() && !processAlive(holder.pid));
    return { generation: o.generation, text: o.text, holder, stale };
  } catch (e) {
    throw gcsFailure(e, 'reading the lock', cfg, lockName(cfg));
  }
}

async function put(cfg: GcsCfg, body: string, ifGeneration: string): Promise<string | undefined> {
  try {
    return await writeObject(cfg, lockName(cfg), body, ifGeneration);
  } catch (e) {
    throw gcsFailure(e, 'writing the lock', cfg, lockName(cfg));
  }
}

async function removeIf(cfg: GcsCfg, generation: string): Promise<boolean> {
  try {
    return await deleteObject(cfg, lockName(cfg), generation);
  } catch (e) {
    throw gcsFailure(e, 'removing the lock', cfg, lockName(cfg));
  }
}

const heldError = (cfg: GcsCfg, holder: LockHolder | undefined) =>
  new PctlError({
    code: 'LockHeld',
    message: `stack is locked by ${describeHolder(holder)}: ${lockUrl(cfg)}`,
    fault: 'user',
    exitCode: 1,
    hint: 'wait for that run to finish (--lock-timeout 5m waits), or run `pctl state unlock` if that process is gone',
  });

// Takes the lock, taking over a stale one; waits up to `timeoutMs` for a live holder.
export async function acquireGcsLock(cfg: GcsCfg, opts: BackendLockOptions): Promise<BackendLock> {
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    command: opts.command,
    startedAt: new Date().toISOString(),
    runId: RUN_ID,
  };
  const body = JSON.stringify(me) + '\n';
  const timeoutMs = opts.wait ? (opts.timeoutMs ?? 0) : 0;
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    let generation = await put(cfg, body, '0');
    if (generation !== undefined) return held(cfg, generation);
    const seen = await inspect(cfg);
    if (!seen) continue;
    // The library retried a create whose first try had landed: the lock is this run's own.
    if (seen.text === body) return held(cfg, seen.generation);
    if (seen.stale) {
      generation = await put(cfg, body, seen.generation);
      if (generation !== undefined) return held(cfg, generation);
      continue;
    }
    if (timeoutMs <= 0) throw heldError(cfg, seen.holder);
    if (!told) {
      opts.onWait?.(seen.holder);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new PctlError({
        code: 'LockTimeout',
        message: `gave up after ${Math.round(timeoutMs / 1000)}s waiting for the lock held by ${describeHolder(seen.holder)}: ${lockUrl(cfg)}`,
        fault: 'environment',
        hint: 'raise --lock-timeout, or run `pctl state unlock` if that process is gone',
      });
    }
    if (opts.signal?.aborted)
      throw new PctlError({
        code: 'Interrupted',
        message: 'interrupted while waiting for the lock',
        fault: 'user',
        exitCode: 130,
      });
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}

function held(cfg: GcsCfg, generation: string): BackendLock {
  return { where: lockUrl(cfg), release: async () => void (await removeIf(cfg, generation)) };
}

// `pctl state unlock` for gcs: a holder alive here, or on another host, only with `force`.
export async function unlockGcs(cfg: GcsCfg, opts: { force: boolean }): Promise<UnlockedLock> {
  const seen = await inspect(cfg);
  if (!seen)
    throw new PctlError({
      code: 'NotLocked',
      message: `the stack is not locked: ${lockUrl(cfg)} does not exist`,
      fault: 'user',
      exitCode: 1,
    });
  if (!seen.stale && !opts.force) {
    const h = seen.holder;
    const where =
      h && h.host !== os.hostname()
        ? `on another host (${h.host}); pctl cannot tell whether it still runs`
        : 'and it is still running';
    throw new PctlError({
      code: 'LockHeld',
      message: `stack is locked by ${describeHolder(h)} ${where}: ${lockUrl(cfg)}`,
      fault: 'user',
      exitCode: 1,
      hint: 'let it finish, or pass --force if you are sure no run holds it',
    });
  }
  if (!(await removeIf(cfg, seen.generation))) {
    throw new PctlError({
      code: 'LockHeld',
      message: `the lock ${lockUrl(cfg)} changed while unlocking (another run took it); nothing removed`,
      fault: 'user',
      exitCode: 1,
    });
  }
  return { where: lockUrl(cfg), holder: seen.holder };
}
