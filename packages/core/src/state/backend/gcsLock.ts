// The gcs backend's lock: an object `<object>.lock` created with `ifGenerationMatch: 0`,
// holding who holds it (as Terraform's gcs backend). A stale one (its holder's process is
// gone from this host, or it names no holder) is replaced with `ifGenerationMatch` on the
// generation the taker read: of many takers racing for it, Cloud Storage lets exactly one
// replace it; the others get 412 and find the winner's lock. Release deletes it only
// while it is still ours (its generation).
import { gcsFailure, type GcsCfg } from './gcsClient.js';
import { deleteObject, readObject, writeObject } from './gcsObject.js';
import { deadHere, describeHolder, parseHolder, thisRun, unlockWith, waitForLock, waitingAs } from '../holder.js';
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
    const stale = !holder || deadHere(holder);
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

// Takes the lock, taking over a stale one; waits up to `timeoutMs` for a live holder.
export async function acquireGcsLock(cfg: GcsCfg, opts: BackendLockOptions): Promise<BackendLock> {
  const body = JSON.stringify(thisRun(opts.command)) + '\n';
  let generation: string | undefined;
  await waitForLock<SeenLock & { own?: boolean }>({
    take: async () => (generation = await put(cfg, body, '0')) !== undefined,
    inspect: async () => {
      const seen = await inspect(cfg);
      // The library retried a create whose first try had landed: the lock is this run's own.
      return seen && seen.text === body ? { ...seen, stale: true, own: true } : seen;
    },
    takeOver: async (seen) =>
      seen.own
        ? (generation = seen.generation) !== undefined
        : (generation = await put(cfg, body, seen.generation)) !== undefined,
    describe: (seen) => describeHolder(seen.holder),
    ...waitingAs(lockUrl(cfg), opts),
  });
  return held(cfg, generation!);
}

function held(cfg: GcsCfg, generation: string): BackendLock {
  return { where: lockUrl(cfg), release: async () => void (await removeIf(cfg, generation)) };
}

// `pctl state unlock` for gcs: a holder alive here, or on another host, only with `force`.
export function unlockGcs(cfg: GcsCfg, opts: { force: boolean }): Promise<UnlockedLock> {
  return unlockWith(
    lockUrl(cfg),
    opts.force,
    () => inspect(cfg),
    (seen) => removeIf(cfg, seen.generation),
  );
}
