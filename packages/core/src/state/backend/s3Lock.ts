// The s3 backend's lock: an object `<key>.lock` created with `If-None-Match: *` (as
// Terraform's use_lockfile), holding who holds it. A stale one (its holder's process is
// gone from this host) is replaced with `If-Match` on the ETag the taker read: of many
// takers racing for the same stale lock, S3 lets exactly one replace it; the others get
// 412 (or 409) and find the winner's lock. Release deletes it only while it is ours (If-Match).
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { PctlError } from '../../errors.js';
import type { S3StateConfig } from '../../config/stateSchema.js';
import { processAlive } from '../lockFile.js';
import { s3ErrorOf, s3Failure, s3For } from './s3Client.js';
import type { BackendLock, BackendLockOptions, LockHolder, UnlockedLock } from './types.js';

/** One id per pctl process: names this run in the lock it holds. */
export const RUN_ID = randomUUID();

type Cfg = S3StateConfig & { key: string };
interface SeenLock {
  etag: string;
  holder: LockHolder | undefined;
  stale: boolean;
}

const lockKey = (cfg: Cfg) => `${cfg.key}.lock`;
const lockUrl = (cfg: Cfg) => `s3://${cfg.bucket}/${lockKey(cfg)}`;

// "pid 123 on host (deploy, since …)" for messages.
export function describeHolder(h: LockHolder | undefined): string {
  return h
    ? `pid ${h.pid} on ${h.host} (${h.command}, since ${h.startedAt})`
    : 'an unknown holder (the lock object holds no valid owner)';
}

/** The holder a lock object names; undefined when it names none. */
export function parseHolder(text: string): LockHolder | undefined {
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (
      typeof o.pid !== 'number' ||
      !Number.isSafeInteger(o.pid) ||
      o.pid <= 0 ||
      typeof o.host !== 'string' ||
      !o.host
    )
      return undefined;
    return {
      pid: o.pid,
      host: o.host,
      command: typeof o.command === 'string' ? o.command : '?',
      startedAt: typeof o.startedAt === 'string' ? o.startedAt : '?',
      ...(typeof o.runId === 'string' ? { runId: o.runId } : {}),
    };
  } catch {
    return undefined;
  }
}

// The lock as it is now; undefined when there is none.
async function inspect(cfg: Cfg): Promise<SeenLock | undefined> {
  const { client, mod } = await s3For(cfg);
  try {
    const r = await client.send(new mod.GetObjectCommand({ Bucket: cfg.bucket, Key: lockKey(cfg) }));
    const text = (await r.Body?.transformToString('utf8')) ?? '';
    const holder = parseHolder(text);
    // S3 writes an object whole, so content that names no holder is no write in progress: stale.
    const stale = !holder || (holder.host === os.hostname() && !processAlive(holder.pid));
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
    let etag = await put(cfg, body, { IfNoneMatch: '*' });
    if (etag !== undefined) return held(cfg, etag);
    const seen = await inspect(cfg);
    if (!seen) continue;
    if (seen.stale) {
      etag = await put(cfg, body, { IfMatch: seen.etag });
      if (etag !== undefined) return held(cfg, etag);
      continue;
    }
    if (timeoutMs <= 0) {
      throw new PctlError({
        code: 'LockHeld',
        message: `stack is locked by ${describeHolder(seen.holder)}: ${lockUrl(cfg)}`,
        fault: 'user',
        exitCode: 1,
        hint: 'wait for that run to finish (--lock-timeout 5m waits), or run `pctl state unlock` if that process is gone',
      });
    }
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

function held(cfg: Cfg, etag: string): BackendLock {
  return { where: lockUrl(cfg), release: async () => void (await removeIf(cfg, etag)) };
}

// `pctl state unlock` for s3: a holder alive here, or on another host, only with `force`.
export async function unlockS3(cfg: Cfg, opts: { force: boolean }): Promise<UnlockedLock> {
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
  if (!(await removeIf(cfg, seen.etag))) {
    throw new PctlError({
      code: 'LockHeld',
      message: `the lock ${lockUrl(cfg)} changed while unlocking (another run took it); nothing removed`,
      fault: 'user',
      exitCode: 1,
    });
  }
  return { where: lockUrl(cfg), holder: seen.holder };
}
