// Reads a file the stack file names (the stack file itself, `${file:...}`) only when it is
// a regular file, never past a size cap: a FIFO would block for ever, /dev/zero never ends.
import { constants, promises as fs } from 'node:fs';

/** Largest stack file read (the top one and each one it includes). */
export const MAX_STACK_FILE_BYTES = 4 * 1024 * 1024;

export class UnreadableFile extends Error {
  constructor(
    message: string,
    /** errno code (ENOENT, EACCES, ...) or NotRegular / TooLarge. */
    readonly code: string,
  ) {
    super(message);
  }
}

const KIND: [string, (s: import('node:fs').Stats) => boolean][] = [
  ['a directory', (s) => s.isDirectory()],
  ['a FIFO (named pipe)', (s) => s.isFIFO()],
  ['a character device', (s) => s.isCharacterDevice()],
  ['a block device', (s) => s.isBlockDevice()],
  ['a socket', (s) => s.isSocket()],
];

/** The text of a regular file of at most `maxBytes` bytes; throws UnreadableFile otherwise. */
export async function readRegularFile(file: string, maxBytes: number): Promise<string> {
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new UnreadableFile(code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : code, code);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      const kind = KIND.find(([, is]) => is(st))?.[0] ?? 'not a regular file';
      throw new UnreadableFile(`is ${kind}, not a regular file`, 'NotRegular');
    }
    if (st.size > maxBytes) throw new UnreadableFile(`is larger than ${maxBytes} bytes`, 'TooLarge');
    // The cap holds while reading too: the file may grow after the stat.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      chunks.push(buf.subarray(0, bytesRead));
      if (total > maxBytes) throw new UnreadableFile(`is larger than ${maxBytes} bytes`, 'TooLarge');
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    if (e instanceof UnreadableFile) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new UnreadableFile(code === 'EISDIR' ? 'is a directory, not a regular file' : code, code);
  } finally {
    await handle.close();
  }
}
