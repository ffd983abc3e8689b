// The file-system calls the build-input code makes, in one object, so a test can count
// them (a no-op redeploy must read no file content) and the real one stays the default.
import { createHash, type Hash } from 'node:crypto';
import { constants, lstatSync, promises as fs, readdirSync, type Dirent, type Stats } from 'node:fs';
import { PctlError } from '../errors.js';
import { readRegularFile, unreadable, type ReadWhat } from './regularFile.js';

export interface BuildFs {
  readdir(dir: string): Promise<Dirent[]>;
  lstat(file: string): Promise<Stats>;
  /** The same, synchronously, where the file system offers it (the hash cache's fast path). */
  lstatSync?(file: string): Stats;
  readlink(file: string): Promise<string>;
  /** A regular file's bytes (FIFOs, devices, sockets refused). */
  readRegular(file: string, what: ReadWhat): Promise<Buffer>;
  /** Feeds a regular file's bytes into `h` (streamed: any size). */
  hashRegular(file: string, what: ReadWhat, h: Hash): Promise<void>;
}

const STREAM_ABOVE = 8 * 1024 * 1024;

// Streams a regular file into a hash through a non-blocking descriptor checked by fstat.
async function hashRegular(file: string, what: ReadWhat, h: Hash): Promise<void> {
  let handle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw unreadable(file, what, e);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size <= STREAM_ABOVE) {
      await handle.close();
      handle = undefined;
      h.update(await readRegularFile(file, what));
      return;
    }
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } catch (e) {
    if (e instanceof PctlError) throw e;
    throw unreadable(file, what, e);
  } finally {
    await handle?.close();
  }
}

/** The real file system. */
// Metadata calls are made synchronously: a no-op redeploy makes thousands of them, each a
// few microseconds, where a round trip through libuv's thread pool costs ten times that.
export const nodeBuildFs: BuildFs = {
  readdir: async (dir) => readdirSync(dir, { withFileTypes: true }),
  lstat: async (file) => lstatSync(file),
  lstatSync: (file) => lstatSync(file),
  readlink: (file) => fs.readlink(file),
  readRegular: readRegularFile,
  hashRegular,
};

// sha256 hex of a string (the Dockerfile, a symlink's target).
export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
