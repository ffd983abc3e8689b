// The state file `pctl.<stack>.json`: read strictly, written atomically after each change.
import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';
import { PctlError } from '../errors.js';
import { StateFileSchema, type StateEntry, type StateFile } from './types.js';

export function statePath(cwd: string, stack: string): string {
  return path.join(cwd, `pctl.${stack}.json`);
}

export function backupPath(file: string): string {
  return `${file}.bak`;
}

export const MAX_STATE_BYTES = 64 * 1024 * 1024;
/** Deeper than this, a value is not one pctl or a provider wrote (and recursion over it would overflow the stack). */
export const MAX_STATE_DEPTH = 100;

// Reads a state file; a missing file is an empty state, anything unreadable is an error.
// Only a regular file is read (a FIFO would block for ever), with a size cap.
export async function readStateFile(file: string): Promise<StateFile> {
  let text: string;
  try {
    text = await readRegularFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    if (e instanceof PctlError) throw e;
    throw new PctlError({
      code: 'StateUnreadable',
      message: `cannot read state file ${file}: ${(e as NodeJS.ErrnoException).code === 'ELOOP' ? 'a loop of symbolic links' : (e as Error).message}`,
      fault: 'environment',
      hint: 'make it a readable regular file (or a symlink to one), or move it away to start from an empty state',
    });
  }
  return parseStateText(text, file);
}

// Parses and checks the text of a state; `where` names it in errors, `fix` says what to do.
export function parseStateText(
  text: string,
  where: string,
  fix = `fix or restore it (a backup of the previous state is ${path.basename(backupPath(where))}), or rebuild it with \`pctl state recover\``,
): StateFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PctlError({
      code: 'StateCorrupt',
      message: `state file ${where} is not valid JSON (${(e as Error).message}); it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: fix,
    });
  }
  const deep = tooDeep(raw, MAX_STATE_DEPTH);
  if (deep) {
    throw new PctlError({
      code: 'StateInvalid',
      message: `state file ${where} is not a pctl state file: ${deep}: nested more than ${MAX_STATE_DEPTH} levels deep; it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: fix,
    });
  }
  const parsed = StateFileSchema.safeParse(migrateState(raw));
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new PctlError({
      code: 'StateInvalid',
      message: `state file ${where} is not a pctl state file: ${first.path.join('.') || '(root)'}: ${first.message}; it was left as it is`,
      fault: 'user',
      exitCode: 1,
      hint: fix,
      detail: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'),
    });
  }
  return parsed.data;
}

// The path of the first value nested deeper than `limit`, found without recursion (a
// 3,000-level entry must not overflow the stack of whoever walks it next).
export function tooDeep(value: unknown, limit: number): string | undefined {
  const todo: [unknown, string[]][] = [[value, []]];
  while (todo.length) {
    const [v, at] = todo.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (at.length >= limit) return at.slice(0, 3).join('.') + '...';
    for (const [k, child] of Object.entries(v)) todo.push([child, [...at, k]]);
  }
  return undefined;
}

// Older shapes: the original pctl wrote the same map; nothing to change yet, but this is the seam.
export function migrateState(raw: unknown): unknown {
  return raw;
}

async function readRegularFile(file: string): Promise<string> {
  const fh = await fs.open(file, fsc.O_RDONLY | fsc.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      throw new PctlError({
        code: 'StateUnreadable',
        message: `state file ${file} is a ${st.isDirectory() ? 'directory' : st.isFIFO() ? 'FIFO' : 'special file'}, not a regular file`,
        fault: 'user',
        hint: 'move it away; pctl reads and writes only regular files',
      });
    }
    if (st.size > MAX_STATE_BYTES) {
      throw new PctlError({
        code: 'StateUnreadable',
        message: `state file ${file} is ${st.size} bytes, more than the ${MAX_STATE_BYTES} a state file can be`,
        fault: 'user',
        hint: 'it is not a pctl state file: restore the .bak or run `pctl state recover`',
      });
    }
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

let tmpCounter = 0;

// Where writes go: through a symlink to its target (so the link stays a link), and only
// to a file the user has not made read-only. Returns the real path and the mode to keep.
export async function writableStatePath(file: string): Promise<{ real: string; mode: number }> {
  let real = file;
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = await fs.lstat(real);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { real, mode: 0o600 };
      throw e;
    }
    if (st.isSymbolicLink()) {
      real = path.resolve(path.dirname(real), await fs.readlink(real));
      continue;
    }
    if (!st.isFile()) {
      throw new PctlError({
        code: 'StateUnreadable',
        message: `state file ${file} is ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'a special file'}, not a regular file`,
        fault: 'user',
        hint: 'move it away; pctl writes only regular files',
      });
    }
    if ((st.mode & 0o200) === 0) {
      throw new PctlError({
        code: 'StateReadOnly',
        message: `state file ${real === file ? file : `${file} (-> ${real})`} is read-only; pctl does not replace it`,
        fault: 'user',
        hint: `make it writable (chmod u+w ${real}) if pctl may change it, or run with another --name`,
      });
    }
    return { real, mode: st.mode & 0o777 };
  }
  throw new PctlError({
    code: 'StateUnreadable',
    message: `state file ${file}: too many levels of symbolic links`,
    fault: 'user',
  });
}

// Writes the whole state atomically: temp file in the target's folder, fsync, backup, rename.
export async function writeStateFile(file: string, state: StateFile): Promise<void> {
  const { real, mode } = await writableStatePath(file);
  file = real;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tmpCounter}.tmp`);
  const body = JSON.stringify(sortedState(state), null, 2) + '\n';
  // A file every later run would refuse to read is never written.
  if (Buffer.byteLength(body) > MAX_STATE_BYTES) {
    throw new PctlError({
      code: 'StateTooLarge',
      message: `state file ${file} would be ${Buffer.byteLength(body)} bytes, more than the ${MAX_STATE_BYTES} a state file can be; it was left as it is`,
      fault: 'tool',
      exitCode: 1,
      hint: 'a provider stores too much in its entries: see which entry is largest',
    });
  }
  const fh = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    await fh.chmod(mode);
    await fh.writeFile(body, 'utf8');
    await fh.sync();
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  } finally {
    await fh.close();
  }
  await backUp(file, `${tmp}.bak`);
  await fs.rename(tmp, file);
  try {
    const dh = await fs.open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

// Copies the current state to its `.bak` through a fresh temp file renamed over it: a
// symlink planted as the `.bak` is replaced, never followed (its target is not written).
async function backUp(file: string, tmp: string): Promise<void> {
  try {
    await fs.copyFile(file, tmp, fsc.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await fs.rename(tmp, backupPath(file));
}

function sortedState(state: StateFile): StateFile {
  const out: StateFile = {};
  for (const k of Object.keys(state).sort()) out[k] = state[k]!;
  return out;
}
