// The fake's S3 buckets: objects with their versions (every version kept when the bucket
// has versioning on; otherwise one, `null`), delete markers, ETags (the quoted MD5 of the
// body, as S3 gives for a single-part upload), and S3's conditional-request rules.
import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from './errors.js';

// One version of an object, or a delete marker.
export interface FakeObjectVersion {
  versionId: string;
  body: Buffer;
  etag: string;
  lastModified: number;
  contentType: string;
  deleteMarker: boolean;
}

export interface FakeBucket {
  name: string;
  versioning: boolean;
  /** Versions of each key, oldest first. */
  objects: Map<string, FakeObjectVersion[]>;
}

// A version id as S3 makes them: 32 URL-safe characters.
const newVersionId = () => randomBytes(24).toString('base64url').slice(0, 32);
const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

export function newBucket(name: string, versioning = false): FakeBucket {
  return { name, versioning, objects: new Map() };
}

/** The current version of a key (undefined when there is none or the latest is a delete marker). */
export function current(b: FakeBucket, key: string): FakeObjectVersion | undefined {
  const v = b.objects.get(key)?.at(-1);
  return v && !v.deleteMarker ? v : undefined;
}

export function versionOf(b: FakeBucket, key: string, versionId: string): FakeObjectVersion | undefined {
  return b.objects.get(key)?.find((v) => v.versionId === versionId);
}

const noSuchKey = (key: string) => new AwsError('NoSuchKey', 404, 'The specified key does not exist.', { Key: key });
const preconditionFailed = (condition: string) =>
  new AwsError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
    Condition: condition,
  });

// S3's answer to If-Match / If-None-Match on a write or delete: 412 when the condition does
// not hold, 404 for If-Match on a key that does not exist.
export function checkWriteConditions(
  b: FakeBucket,
  key: string,
  ifMatch: string | undefined,
  ifNoneMatch: string | undefined,
): void {
  const now = current(b, key);
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*')
      throw new AwsError('NotImplemented', 501, 'A header you provided implies functionality that is not implemented', {
        Header: 'If-None-Match',
      });
    if (now) throw preconditionFailed('If-None-Match');
  }
  if (ifMatch !== undefined) {
    if (!now) throw noSuchKey(key);
    if (ifMatch.trim() !== '*' && unquote(ifMatch) !== unquote(now.etag)) throw preconditionFailed('If-Match');
  }
}

// Stores a new version (replacing the `null` one when versioning is off).
export function putVersion(
  b: FakeBucket,
  key: string,
  body: Buffer,
  contentType: string,
  nowMs: number,
): FakeObjectVersion {
  const v: FakeObjectVersion = {
    versionId: b.versioning ? newVersionId() : 'null',
    body,
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    lastModified: nowMs,
    contentType,
    deleteMarker: false,
  };
  const list = (b.objects.get(key) ?? []).filter((x) => b.versioning || x.versionId !== 'null');
  list.push(v);
  b.objects.set(key, list);
  return v;
}

// DeleteObject: a delete marker when versioning is on, the object gone when it is off;
// with a version id, that version gone for good.
export function deleteObject(
  b: FakeBucket,
  key: string,
  versionId: string | undefined,
  nowMs: number,
): { versionId?: string; deleteMarker: boolean } {
  const list = b.objects.get(key) ?? [];
  if (versionId !== undefined) {
    const gone = list.find((v) => v.versionId === versionId);
    b.objects.set(
      key,
      list.filter((v) => v !== gone),
    );
    if (!b.objects.get(key)!.length) b.objects.delete(key);
    return { versionId, deleteMarker: Boolean(gone?.deleteMarker) };
  }
  if (!b.versioning) {
    b.objects.delete(key);
    return { deleteMarker: false };
  }
  const marker: FakeObjectVersion = {
    versionId: newVersionId(),
    body: Buffer.alloc(0),
    etag: '',
    lastModified: nowMs,
    contentType: '',
    deleteMarker: true,
  };
  b.objects.set(key, [...list, marker]);
  return { versionId: marker.versionId, deleteMarker: true };
}

export const s3Errors = { noSuchKey, preconditionFailed };
