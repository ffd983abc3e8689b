// The s3 backend's lock: an object `<key>.lock` created with `If-None-Match: *` (as
// Terraform's use_lockfile), holding who holds it. A stale one (its holder's process is
// gone from this host) is replaced with `If-Match` on the ETag the taker read: of many
// takers racing for the same stale lock, S3 lets exactly one replace it; the others get
// 412 (or 409) and find the winner's lock. Release deletes it only while it is ours (If-Match).
import type { S3StateConfig } from '../../config/stateSchema.js';
import { deadHere, describeHolder, parseHolder, thisRun, unlockWith, waitForLock, waitingAs } from '../holder.js';
import { s3ErrorOf, s3Failure, s3For } from './s3Client.js';
import type { BackendLock, BackendLockOptions, LockHolder, UnlockedLock } from './types.js';

type Cfg = S3StateConfig & { key: string };
interface SeenLock {
  etag: string;
  holder: LockHolder | undefined;
  stale: boolean;
}

const lockKey = (cfg: Cfg) => `${cfg.key}.lock`;
const lockUrl = (cfg: Cfg) => `s3://${cfg.bucket}/${lockKey(cfg)}`;

// The lock as it is now; undefined when there is none.
async function inspect(cfg: Cfg): Promise<SeenLock | undefined> {
  const { client, mod } = await s3For(cfg);
  try {
    const r = await client.send(new mod.GetObjectCommand({ Bucket: cfg.bucket, Key: lockKey(cfg) }));
    const text = (await r.Body?.transformToString('utf8')) ?? '';
    const holder = parseHolder(text);
    // S3 writes an object whole, so content that names no holder is no write in progress: stale.
    const stale = !holder || deadHere(holder);
    return { etag: r.ETag ?? '', holder, stale };
  } catch (e) {
    if (s3ErrorOf(e).name === 'NoSuchKey') return undefined;
    throw s3Failure(e, 'reading the lock', cfg);
  }
}

// Puts the lock object under a condition; the new ETag, or undefined when the condition failed.
async function put(
  cfg: Cfg,
  body: string,
  cond: { IfNoneMatch: '*' } | { IfMatch: string },
): Promise<string | undefined> {
  const { client, mod } = await s3For(cfg);
  try {
    const r = await client.send(
      new mod.PutObjectCommand({
        Bucket: cfg.bucket,
        Key: lockKey(cfg),
        Body: body,
        ContentType: 'application/json',
        ...cond,
      }),
    );
    return r.ETag ?? '';
  } catch (e) {
    const { name, status } = s3ErrorOf(e);
    // 412: someone holds it (or took it over first); 409: a concurrent conditional write; 404: the stale lock went away.
    if (
      name === 'PreconditionFailed' ||
      status === 412 ||
      name === 'ConditionalRequestConflict' ||
      status === 409 ||
      name === 'NoSuchKey'
    )
      return undefined;
    throw s3Failure(e, 'writing the lock', cfg);
  }
}

// Deletes the lock if it still has this ETag; false when it changed or is gone.
async function removeIf(cfg: Cfg, etag: string): Promise<boolean> {
  const { client, mod } = await s3For(cfg);
  try {
    await client.send(new mod.DeleteObjectCommand({ Bucket: cfg.bucket, Key: lockKey(cfg), IfMatch: etag }));
    return true;
  } catch (e) {
    const { name, status } = s3ErrorOf(e);
    if (name === 'PreconditionFailed' || status === 412 || name === 'NoSuchKey' || status === 404 || status === 409)
      return false;
    throw s3Failure(e, 'removing the lock', cfg);
  }
}

// Takes the lock, taking over a stale one; waits up to `timeoutMs` for a live holder.
export async function acquireS3Lock(cfg: Cfg, opts: BackendLockOptions): Promise<BackendLock> {
  const body = JSON.stringify(thisRun(opts.command)) + '\n';
  let etag: string | undefined;
  await waitForLock<SeenLock>({
    take: async () => (etag = await put(cfg, body, { IfNoneMatch: '*' })) !== undefined,
    inspect: () => inspect(cfg),
    takeOver: async (seen) => (etag = await put(cfg, body, { IfMatch: seen.etag })) !== undefined,
    describe: (seen) => describeHolder(seen.holder),
    ...waitingAs(lockUrl(cfg), opts),
  });
  return held(cfg, etag!);
}

function held(cfg: Cfg, etag: string): BackendLock {
  return { where: lockUrl(cfg), release: async () => void (await removeIf(cfg, etag)) };
}

// `pctl state unlock` for s3: a holder alive here, or on another host, only with `force`.
export function unlockS3(cfg: Cfg, opts: { force: boolean }): Promise<UnlockedLock> {
  return unlockWith(
    lockUrl(cfg),
    opts.force,
    () => inspect(cfg),
    (seen) => removeIf(cfg, seen.etag),
  );
}
