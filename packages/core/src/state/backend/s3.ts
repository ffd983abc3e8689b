// The `s3` backend: the state one object, written with `If-Match` on the ETag it was read
// at (`If-None-Match: *` for the first write), so a lost race is a StateConflict and never
// a silent overwrite; the lock beside it (s3Lock.ts). With bucket versioning on, every
// earlier state is kept (`pctl state history`).
import type { S3StateConfig } from '../../config/stateSchema.js';
import { PctlError } from '../../errors.js';
import type { StateFile } from '../types.js';
import { decodeState, encodeState } from './envelope.js';
import { s3ErrorOf, s3Failure, s3For } from './s3Client.js';
import { acquireS3Lock, unlockS3 } from './s3Lock.js';
import type {
  BackendLock,
  BackendLockOptions,
  StateBackend,
  StateVersion,
  UnlockedLock,
  VersionedState,
} from './types.js';

type Cfg = S3StateConfig & { key: string };

export class S3Backend implements StateBackend {
  readonly kind = 's3' as const;
  readonly where: string;
  constructor(
    readonly cfg: Cfg,
    private readonly stack: string,
  ) {
    this.where = `s3://${cfg.bucket}/${cfg.key}`;
    // The SDK loads while the run reads the stack and loads its providers (its errors surface on first use).
    s3For(cfg).catch(() => undefined);
  }

  async read(): Promise<VersionedState> {
    const { client, mod } = await s3For(this.cfg);
    try {
      const r = await client.send(new mod.GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.cfg.key }));
      const text = (await r.Body?.transformToString('utf8')) ?? '';
      return { state: decodeState(text, this.stack, this.where), version: r.ETag };
    } catch (e) {
      if (s3ErrorOf(e).name === 'NoSuchKey') return { state: {}, version: undefined };
      throw s3Failure(e, 'reading the state', this.cfg);
    }
  }

  // Holding the lock (a conditional PutObject) already proved the principal may write here.
  async checkWritable(): Promise<void> {}

  async write(state: StateFile, expected: string | undefined): Promise<string> {
    const { client, mod } = await s3For(this.cfg);
    const body = encodeState(this.stack, state, this.where);
    const cond = expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: expected };
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await client.send(
          new mod.PutObjectCommand({
            Bucket: this.cfg.bucket,
            Key: this.cfg.key,
            Body: body,
            ContentType: 'application/json',
            ...cond,
          }),
        );
        return r.ETag ?? '';
      } catch (e) {
        const { name, status } = s3ErrorOf(e);
        // 409: a concurrent conditional write was in flight; S3 says to retry (the retry then meets the winner's ETag).
        if ((name === 'ConditionalRequestConflict' || status === 409) && attempt < 3) continue;
        if (
          name === 'PreconditionFailed' ||
          status === 412 ||
          name === 'ConditionalRequestConflict' ||
          (expected !== undefined && name === 'NoSuchKey')
        ) {
          throw new PctlError({
            code: 'StateConflict',
            message: `state ${this.where} was changed by someone else since this run read it (${name}); nothing was written over it`,
            fault: 'environment',
            exitCode: 1,
            hint: 'another run wrote the state without holding the stack lock: run again (pctl reads the new state)',
          });
        }
        throw s3Failure(e, 'writing the state', this.cfg);
      }
    }
  }

  lock(opts: BackendLockOptions): Promise<BackendLock> {
    return acquireS3Lock(this.cfg, opts);
  }

  unlock(opts: { force: boolean }): Promise<UnlockedLock> {
    return unlockS3(this.cfg, opts);
  }

  async history(): Promise<StateVersion[]> {
    const { client, mod } = await s3For(this.cfg);
    const out: StateVersion[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    try {
      for (;;) {
        const r = await client.send(
          new mod.ListObjectVersionsCommand({
            Bucket: this.cfg.bucket,
            Prefix: this.cfg.key,
            KeyMarker,
            VersionIdMarker,
          }),
        );
        for (const v of r.Versions ?? []) {
          if (v.Key !== this.cfg.key) continue;
          out.push({
            version: v.VersionId ?? 'null',
            at: v.LastModified?.toISOString() ?? '',
            size: v.Size ?? 0,
            latest: Boolean(v.IsLatest),
          });
        }
        if (!r.IsTruncated) break;
        KeyMarker = r.NextKeyMarker;
        VersionIdMarker = r.NextVersionIdMarker;
      }
    } catch (e) {
      throw s3Failure(e, 'listing the versions of', this.cfg);
    }
    return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }

  async readVersion(version: string): Promise<StateFile> {
    const { client, mod } = await s3For(this.cfg);
    try {
      const r = await client.send(
        new mod.GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.cfg.key, VersionId: version }),
      );
      return decodeState(
        (await r.Body?.transformToString('utf8')) ?? '',
        this.stack,
        `${this.where}?versionId=${version}`,
      );
    } catch (e) {
      throw s3Failure(e, `reading version ${version} of`, this.cfg);
    }
  }

  async remove(version: string | undefined): Promise<boolean> {
    if (version === undefined) return true;
    const { client, mod } = await s3For(this.cfg);
    try {
      await client.send(new mod.DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.cfg.key, IfMatch: version }));
      return true;
    } catch (e) {
      const { name, status } = s3ErrorOf(e);
      if (name === 'PreconditionFailed' || status === 412 || name === 'NoSuchKey' || status === 404 || status === 409)
        return false;
      throw s3Failure(e, 'removing the state', this.cfg);
    }
  }
}
