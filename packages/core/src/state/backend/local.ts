// The `local` backend: today's `pctl.<stack>.json` beside the stack, written atomically
// (store.ts), and its `.lock` file (lock.ts). Its version token is the file's identity
// (inode, mtime, size): a write finds out when someone else replaced the file meanwhile.
import { promises as fs } from 'node:fs';
import { PctlError } from '../../errors.js';
import { acquireLock, unlockStack } from '../lock.js';
import { readStateFile, writableStatePath, writeStateFile } from '../store.js';
import type { StateFile } from '../types.js';
import type { BackendLock, BackendLockOptions, StateBackend, UnlockedLock, VersionedState } from './types.js';

// The identity of the file as it is now; undefined when there is none. A file that cannot
// be looked at (a symlink loop, no permission) gets a token naming why: reading or writing
// it then fails with store.ts's own error, which names the file and the fix.
async function versionOf(file: string): Promise<string | undefined> {
  try {
    const st = await fs.stat(file, { bigint: true });
    return `${st.ino}:${st.mtimeNs}:${st.size}`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return `unreadable:${code ?? 'error'}`;
  }
}

export class LocalBackend implements StateBackend {
  readonly kind = 'local' as const;
  constructor(readonly where: string) {}

  async read(): Promise<VersionedState> {
    // The version first: a write between the two reads then fails as a conflict, never silently.
    const version = await versionOf(this.where);
    return { state: await readStateFile(this.where), version };
  }

  async checkWritable(): Promise<void> {
    await writableStatePath(this.where);
  }

  async write(state: StateFile, expected: string | undefined): Promise<string> {
    const now = await versionOf(this.where);
    if (now !== expected && !now?.startsWith('unreadable:')) {
      throw new PctlError({
        code: 'StateConflict',
        message: `state file ${this.where} was changed by someone else since this run read it; nothing was written over it`,
        fault: 'environment',
        exitCode: 1,
        hint: 'another process wrote the state without the stack lock: run again (pctl reads the new state)',
      });
    }
    await writeStateFile(this.where, state);
    return (await versionOf(this.where))!;
  }

  async lock(opts: BackendLockOptions): Promise<BackendLock> {
    const held = await acquireLock(this.where, opts);
    return { where: held.file, release: () => held.release() };
  }

  async unlock(opts: { force: boolean }): Promise<UnlockedLock> {
    const r = await unlockStack(this.where, opts);
    return { where: r.file, holder: r.removed.kind === 'lock' ? r.removed.owner : undefined };
  }

  async history(): Promise<undefined> {
    return undefined;
  }

  async remove(version: string | undefined): Promise<boolean> {
    if (version === undefined) return true;
    if ((await versionOf(this.where)) !== version) return false;
    await fs.rm(this.where, { force: true });
    return true;
  }
}
