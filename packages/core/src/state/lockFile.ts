// Reading a lock file without trusting it, and removing a stale one atomically.
//
// Node has no flock, so take-over is a compare-and-remove under a guard: the guard's name
// is derived from the identity (device, inode, mtime, bytes) of the stale lock a taker
// inspected, and is created exclusively. Of all takers that inspected the same stale lock,
// one creates the guard; it re-reads the lock and unlinks it only if it is still that
// same file. Nobody else removes a lock of that identity, so between its check and its
// unlink the lock cannot be replaced; the others retry and find a fresh lock they wait for.
import { createHash } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import os from 'node:os';
import { deadHere } from './holder.js';

export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

export type LockSnapshot =
  | { kind: 'foreign'; type: string }
  | {
      kind: 'lock';
      dev: number;
      ino: number;
      mtimeNs: bigint;
      text: string;
      /** Undefined when the content is not an owner pctl writes (garbage, pid 0 or -1). */
      owner?: LockOwner;
      stale: boolean;
    };

const MAX_LOCK_BYTES = 64 * 1024;
/** An empty or unparseable lock younger than this may be a write in progress. */
const TORN_GRACE_MS = 5_000;

// "pid 123 on host (deploy, since …)" for messages.
export function describeOwner(owner: LockOwner | undefined): string {
  return owner
    ? `pid ${owner.pid} on ${owner.host} (${owner.command}, since ${owner.startedAt})`
    : 'an unknown process (the lock file holds no valid owner)';
}

function fileType(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSymbolicLink(): boolean;
  isSocket(): boolean;
}): string {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isSocket()) return 'socket';
  return 'device';
}

// The lock as it is now; undefined when there is none. Never blocks on a FIFO.
export async function inspectLock(file: string): Promise<LockSnapshot | undefined> {
  let st;
  try {
    st = await fs.lstat(file, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (!st.isFile()) return { kind: 'foreign', type: fileType(st) };
  if (st.size > MAX_LOCK_BYTES) return { kind: 'foreign', type: `file of ${st.size} bytes` };
  let text: string;
  try {
    const fh = await fs.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    try {
      const now = await fh.stat({ bigint: true });
      // Replaced between lstat and open: report the newer one on the next look.
      if (now.ino !== st.ino || !now.isFile()) return inspectLock(file);
      const buf = Buffer.alloc(MAX_LOCK_BYTES);
      const { bytesRead } = await fh.read(buf, 0, MAX_LOCK_BYTES, 0);
      text = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const owner = parseOwner(text);
  const ageMs = Date.now() - Number(st.mtimeNs / 1_000_000n);
  let stale: boolean;
  if (owner) stale = deadHere(owner);
  else stale = parsesAsJson(text) || ageMs > TORN_GRACE_MS;
  return { kind: 'lock', dev: Number(st.dev), ino: Number(st.ino), mtimeNs: st.mtimeNs, text, owner, stale };
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// The owner a lock names, or undefined when it is not one pctl would write.
function parseOwner(text: string): LockOwner | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  const { pid, host, command, startedAt } = o as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== 'string' || !host) return undefined;
  return {
    pid,
    host,
    command: typeof command === 'string' ? command : '?',
    startedAt: typeof startedAt === 'string' ? startedAt : '?',
  };
}

function sameLock(a: LockSnapshot | undefined, b: LockSnapshot & { kind: 'lock' }): boolean {
  return a?.kind === 'lock' && a.dev === b.dev && a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.text === b.text;
}

// Removes the lock only if it is still the very file `seen` describes; true if this call
// removed it. Safe against any number of concurrent takers (see the file comment).
export async function removeIfUnchanged(
  file: string,
  seen: LockSnapshot & { kind: 'lock' },
  depth = 0,
): Promise<boolean> {
  const id = createHash('sha256')
    .update(`${seen.dev}:${seen.ino}:${seen.mtimeNs}:${seen.text}`)
    .digest('hex')
    .slice(0, 16);
  const guard = `${file}.takeover-${id}`;
  const me: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    command: 'takeover',
    startedAt: new Date().toISOString(),
  };
  try {
    await fs.writeFile(guard, JSON.stringify(me) + '\n', { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another taker holds the guard; if it died there, the guard is itself stale.
    const g = await inspectLock(guard);
    if (g?.kind === 'lock' && g.stale && depth < 3) await removeIfUnchanged(guard, g, depth + 1);
    return false;
  }
  try {
    if (!sameLock(await inspectLock(file), seen)) return false;
    await fs.unlink(file);
    return true;
  } finally {
    await fs.rm(guard, { force: true });
  }
}
