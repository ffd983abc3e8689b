// The `gcs` backend: the state one Cloud Storage object, written with `ifGenerationMatch`
// on the generation it was read at (0 for the first write), so a lost race is a
// StateConflict and never a silent overwrite; the lock beside it (gcsLock.ts). With object
// versioning on, every earlier state is kept as a noncurrent generation (`pctl state history`).
import { PctlError } from '../../errors.js';
import type { StateFile } from '../types.js';
import { decodeState, encodeState } from './envelope.js';
import { gcsFailure, gcsFor, type GcsCfg } from './gcsClient.js';
import { acquireGcsLock, unlockGcs } from './gcsLock.js';
import { deleteObject, readObject, writeObject } from './gcsObject.js';
import type {
  BackendLock,
  BackendLockOptions,
  StateBackend,
  StateVersion,
  UnlockedLock,
  VersionedState,
} from './types.js';

export class GcsBackend implements StateBackend {
  readonly kind = 'gcs' as const;
  readonly where: string;
  constructor(
    readonly cfg: GcsCfg,
    private readonly stack: string,
  ) {
    this.where = `gs://${cfg.bucket}/${cfg.object}`;
    // The library loads while the run reads the stack and loads its providers (its errors surface on first use).
    gcsFor(cfg).catch(() => undefined);
  }

  async read(): Promise<VersionedState> {
    let o: Awaited<ReturnType<typeof readObject>>;
    try {
      o = await readObject(this.cfg, this.cfg.object);
    } catch (e) {
      throw gcsFailure(e, 'reading the state', this.cfg);
    }
    if (!o) return { state: {}, version: undefined };
    return { state: decodeState(o.text, this.stack, this.where), version: o.generation };
  }

  // Holding the lock (a conditional object create) already proved the principal may write here.
  async checkWritable(): Promise<void> {}

  async write(state: StateFile, expected: string | undefined): Promise<string> {
    const body = encodeState(this.stack, state, this.where);
    let generation: string | undefined;
    try {
      generation = await writeObject(this.cfg, this.cfg.object, body, expected ?? '0');
    } catch (e) {
      throw gcsFailure(e, 'writing the state', this.cfg);
    }
    if (generation === undefined) {
      throw new PctlError({
        code: 'StateConflict',
        message: `state ${this.where} was changed by someone else since this run read it (generation ${expected ?? 'none'} no longer holds); nothing was written over it`,
        fault: 'environment',
        exitCode: 1,
        hint: 'another run wrote the state without holding the stack lock: run again (pctl reads the new state)',
      });
    }
    return generation;
  }

  lock(opts: BackendLockOptions): Promise<BackendLock> {
    return acquireGcsLock(this.cfg, opts);
  }

  unlock(opts: { force: boolean }): Promise<UnlockedLock> {
    return unlockGcs(this.cfg, opts);
  }

  // Every generation of the object (noncurrent ones only with versioning on), newest first.
  async history(): Promise<StateVersion[]> {
    try {
      const bucket = (await gcsFor(this.cfg)).bucket(this.cfg.bucket);
      const [files] = await bucket.getFiles({ prefix: this.cfg.object, versions: true, autoPaginate: true });
      return files
        .filter((f) => f.name === this.cfg.object)
        .map((f) => ({
          version: String(f.metadata.generation),
          at: String(f.metadata.updated ?? f.metadata.timeCreated ?? ''),
          size: Number(f.metadata.size ?? 0),
          latest: f.metadata.timeDeleted === undefined,
        }))
        .sort((a, b) => (BigInt(b.version) > BigInt(a.version) ? 1 : BigInt(b.version) < BigInt(a.version) ? -1 : 0));
    } catch (e) {
      throw gcsFailure(e, 'listing the generations of', this.cfg);
    }
  }

  async readVersion(version: string): Promise<StateFile> {
    if (!/^\d+$/.test(version))
      throw new PctlError({
        code: 'BadUsage',
        message: `${JSON.stringify(version)} is not a generation of ${this.where} (a number, as pctl state history lists them)`,
        fault: 'user',
        exitCode: 2,
      });
    let o: Awaited<ReturnType<typeof readObject>>;
    try {
      o = await readObject(this.cfg, this.cfg.object, version);
    } catch (e) {
      throw gcsFailure(e, `reading generation ${version} of`, this.cfg);
    }
    if (!o)
      throw new PctlError({
        code: 'GcpNotFound',
        message: `${this.where} has no generation ${version} (pctl state history lists those kept)`,
        fault: 'user',
        exitCode: 1,
      });
    return decodeState(o.text, this.stack, `${this.where}#${version}`);
  }

  async remove(version: string | undefined): Promise<boolean> {
    if (version === undefined) return true;
    try {
      return await deleteObject(this.cfg, this.cfg.object, version);
    } catch (e) {
      throw gcsFailure(e, 'removing the state', this.cfg);
    }
  }
}
