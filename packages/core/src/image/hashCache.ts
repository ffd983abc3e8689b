// Content digests of build inputs keyed by what stat() says (path, size, mtime, ctime,
// inode, mode), as git's index keeps them: a redeploy with nothing changed stats files and
// reads none. Never trusted blindly: a file whose mtime or ctime is not clearly older than
// the moment the cache was taken (the racy-git rule, with a margin for file systems that
// keep coarse times) is hashed again. Kept in `.pctl/<stack>.hashes.json`; safe to delete.
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { replaceFile } from '../state/replaceFile.js';

/** Times within this many ms of the cache's stamp are racy (FAT keeps 2 s). */
const RACY_MARGIN_MS = 2000;
const VERSION = 1;

type Key = [size: number, mtimeMs: number, ctimeMs: number, ino: number, mode: number];

interface CacheFile {
  version: number;
  /** When the run that wrote it began: every digest in it was taken after this moment. */
  stamp: number;
  entries: Record<string, [...Key, string]>;
}

const keyOf = (st: Stats): Key => [st.size, st.mtimeMs, st.ctimeMs, st.ino, st.mode];

export class HashCache {
  private readonly seen = new Map<string, [...Key, string]>();
  private dirty = false;
  /** Digests served from the cache, and digests computed (for tests and `-v`). */
  hits = 0;
  misses = 0;

  private constructor(
    readonly file: string | undefined,
    private readonly stamp: number,
    private readonly entries: Record<string, [...Key, string]>,
    private readonly startedAt: number,
  ) {}

  /** A cache that remembers nothing and writes nowhere. */
  static empty(): HashCache {
    return new HashCache(undefined, 0, {}, Date.now());
  }

  // Reads the cache file; a missing, foreign or damaged file is an empty cache. `now` is
  // the clock the stamp is taken from (a test moves it on instead of waiting).
  static async load(file: string, now: () => number = Date.now): Promise<HashCache> {
    const startedAt = now();
    try {
      const data = JSON.parse(await fs.readFile(file, 'utf8')) as CacheFile;
      if (
        data?.version === VERSION &&
        typeof data.stamp === 'number' &&
        data.entries &&
        typeof data.entries === 'object'
      ) {
        return new HashCache(file, data.stamp, data.entries, startedAt);
      }
    } catch {
      /* no cache: every input is hashed */
    }
    return new HashCache(file, 0, {}, startedAt);
  }

  // The digest recorded for this file when its stat is unchanged and not racy.
  lookup(abs: string, st: Stats): string | undefined {
    const e = this.entries[abs];
    // Field by field (thousands of calls on a no-op: no key array is made).
    if (!e || e[0] !== st.size || e[1] !== st.mtimeMs || e[2] !== st.ctimeMs || e[3] !== st.ino || e[4] !== st.mode)
      return undefined;
    const racy = this.stamp - RACY_MARGIN_MS;
    if (!(st.mtimeMs < racy && st.ctimeMs < racy)) return undefined;
    this.seen.set(abs, e);
    this.hits++;
    return e[5];
  }

  // Records a digest computed now from the file whose stat (taken before reading) is `st`.
  record(abs: string, st: Stats, digest: string): void {
    this.misses++;
    this.dirty = true;
    this.seen.set(abs, [...keyOf(st), digest]);
  }

  // Writes what this run used (temp file + rename) when anything was hashed anew.
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    const body: CacheFile = { version: VERSION, stamp: this.startedAt, entries: Object.fromEntries(this.seen) };
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    await replaceFile(this.file, JSON.stringify(body) + '\n');
  }
}

// Where a stack's hash cache lives, beside its state file.
export function hashCachePath(cwd: string, stack: string): string {
  return path.join(cwd, '.pctl', `${stack}.hashes.json`);
}
