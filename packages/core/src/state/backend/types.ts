// Where a stack's state and lock live: the contract every state backend (local file, S3,
// ...) keeps, so the engine reads, writes and locks the same way wherever the state is.
import type { StateFile } from '../types.js';

/** Who holds a lock, as every backend records it. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  /** One id per pctl run (a backend may not see the pid of another host's run). */
  runId?: string;
}

/** The state as read, with the token a conditional write must name (undefined: there is none yet). */
export interface VersionedState {
  state: StateFile;
  version: string | undefined;
}

export interface BackendLockOptions {
  /** Wait for a held lock or fail at once (`--no-wait`); `timeoutMs` bounds the wait. */
  wait: boolean;
  /** Give up waiting after this many ms (`--lock-timeout`; default 0: fail at once). */
  timeoutMs?: number;
  pollMs?: number;
  command: string;
  onWait?: (holder: LockHolder | undefined) => void;
  signal?: AbortSignal;
}

/** A lock this run holds. */
export interface BackendLock {
  /** Where the lock is (a file, an s3:// or kubernetes:// URL), for messages. */
  where: string;
  /** Lets go of the lock, only while it is still this run's. */
  release(): Promise<void>;
}

/** What `pctl state unlock` removed. */
export interface UnlockedLock {
  where: string;
  holder: LockHolder | undefined;
}

/** One earlier state a backend keeps (S3 object versions). */
export interface StateVersion {
  version: string;
  at: string;
  size: number;
  latest: boolean;
}

export interface StateBackend {
  readonly kind: 'local' | 's3' | 'gcs' | 'kubernetes';
  /** The state's address: a file path or a URL (s3://bucket/key, gs://bucket/object, kubernetes://namespace), in messages and --json. */
  readonly where: string;
  /** Reads the state strictly (a missing one is empty); corrupt or foreign state is refused and left as it is. */
  read(): Promise<VersionedState>;
  /** Refuses, before anything is deployed, a state that could not be written (read-only, no permission). */
  checkWritable(): Promise<void>;
  /** Writes the whole state if it is still at `expected` (undefined: must not exist); returns the new version, or throws StateConflict. */
  write(state: StateFile, expected: string | undefined): Promise<string>;
  /** Takes the stack's lock (taking over a stale one); throws LockHeld / LockTimeout naming the holder. */
  lock(opts: BackendLockOptions): Promise<BackendLock>;
  /** Removes a lock left behind; a live holder, or one on another host, only with `force`. */
  unlock(opts: { force: boolean }): Promise<UnlockedLock>;
  /** Earlier states, newest first, where the backend keeps them (undefined: it keeps none). */
  history(): Promise<StateVersion[] | undefined>;
  /** Reads one earlier state (`pctl state pull --version`). */
  readVersion?(version: string): Promise<StateFile>;
  /**
   * Deletes the state (after `state migrate` verified its copy elsewhere), only while it is still
   * the `version` this run read: false (nothing removed) when it changed or was replaced by an
   * object pctl did not write; undefined (there was none): nothing is removed.
   */
  remove(version: string | undefined): Promise<boolean>;
}
