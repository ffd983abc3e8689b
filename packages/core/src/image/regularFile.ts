// Reading build inputs without ever blocking: a file is opened non-blocking and checked
// with fstat on the open descriptor (no stat-then-open race), so a FIFO, a device or a
// socket is refused at once instead of hanging the run.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { PctlError } from '../errors.js';

/** Who needs the file, for the one error line: `service api: Dockerfile ...`. */
export interface ReadWhat {
  service?: string;
  /** What the file is to the build: "Dockerfile", ".dockerignore", "build context file". */
  role: string;
}

const prefix = (w: ReadWhat) => (w.service ? `service ${w.service}: ` : '');

function kindOf(st: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isDirectory(): boolean;
}): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

// The one line for a file that cannot be read (permissions, gone, ...), with the fix.
export function unreadable(file: string, what: ReadWhat, e: unknown): PctlError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'it vanished while reading'
        : code === 'ELOOP'
          ? 'too many symlinks'
          : (code ?? String(e));
  return new PctlError({
    code: 'BuildInputUnreadable',
    message: `${prefix(what)}cannot read ${what.role} ${file}: ${why}`,
    fault: 'user',
    hint:
      what.role === 'build context file'
        ? 'make it readable (chmod a+r), or exclude it in .dockerignore'
        : 'make it readable (chmod a+r)',
    cause: e,
  });
}

// Reads a regular file whole; anything else (FIFO, device, socket, folder) is refused.
// Synchronous inside: build inputs are small and many (a no-op redeploy reads every
// Dockerfile), and four thread-pool round trips per file cost more than the reads.
export async function readRegularFile(file: string, what: ReadWhat): Promise<Buffer> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw e;
    throw unreadable(file, what, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new PctlError({
        code: 'BuildInputNotAFile',
        message: `${prefix(what)}${what.role} ${file} is ${kindOf(st)}, not a regular file`,
        fault: 'user',
        hint:
          what.role === 'build context file'
            ? 'replace it with a regular file, or exclude it in .dockerignore'
            : 'point it at a regular file',
      });
    }
    return readFileSync(fd);
  } catch (e) {
    if (e instanceof PctlError) throw e;
    throw unreadable(file, what, e);
  } finally {
    closeSync(fd);
  }
}
