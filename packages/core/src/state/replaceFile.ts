// Writes a whole file through a fresh temp file renamed over it: a symlink planted at the
// name, or at a temp name someone could predict (`<file>.<pid>.tmp`), is replaced or
// refused, never followed, so pctl never writes (or chmods) a file it did not mean to.
import { randomBytes } from 'node:crypto';
import { promises as fs, closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

// A temp name beside the file that no one can have planted a link at in advance.
const tempName = (file: string) =>
  path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

export async function replaceFile(file: string, body: string, mode = 0o644): Promise<void> {
  const tmp = tempName(file);
  try {
    await fs.writeFile(tmp, body, { flag: 'wx', mode });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export function replaceFileSync(file: string, body: string, mode = 0o644): void {
  const tmp = tempName(file);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, body);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
