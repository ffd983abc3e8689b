// S3's REST XML API for the calls pctl's s3 state backend and `aws s3api` make: PutObject
// (If-Match / If-None-Match), GetObject, HeadObject, DeleteObject (If-Match),
// ListObjectVersions, HeadBucket, GetBucketVersioning. Buckets are addressed path-style
// (`/bucket/key`) or virtual-hosted (`bucket.localhost:port`, `bucket.s3.<region>.amazonaws.com`).
// A conditional write that was still arriving when another write to the same key
// committed is answered 409 ConditionalRequestConflict, as S3 does.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AwsError, xmlEscape } from './errors.js';
import {
  checkWriteConditions,
  current,
  deleteObject,
  putVersion,
  versionOf,
  type FakeBucket,
  type FakeObjectVersion,
} from './s3Bucket.js';
import { parseQuery, type WireRequest } from './sigv4.js';
import { type FakeState, nowMs } from './state.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const VIRTUAL_HOST = /^(.+?)\.(localhost|s3\.amazonaws\.com|s3[.-][a-z0-9-]+\.amazonaws\.com)$/;

// One S3 answer, written by the server as it is.
export interface S3Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A conditional write on its way in: marked when another write to its key commits first. */
export interface InflightWrite {
  id: string;
  conflicted: boolean;
}

// The bucket and key a request addresses, path-style or virtual-hosted.
export function s3Address(host: string, rawPath: string): { bucket?: string; key: string; style: 'path' | 'virtual' } {
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const virtual = VIRTUAL_HOST.exec(hostname);
  if (virtual) return { bucket: virtual[1], key: decodeKey(rawPath.slice(1)), style: 'virtual' };
  const rest = rawPath.slice(1);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  return { bucket: bucket || undefined, key: slash < 0 ? '' : decodeKey(rest.slice(slash + 1)), style: 'path' };
}

function decodeKey(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new AwsError('InvalidURI', 400, "Couldn't parse the specified URI.");
  }
}

const header = (w: WireRequest, name: string) => w.headers.get(name)?.[0];
const inflight = new WeakMap<FakeState, Map<string, Set<InflightWrite>>>();

// Registers a conditional PUT or DELETE as it starts to arrive (before its body).
export function beginS3Write(state: FakeState, req: IncomingMessage): InflightWrite | undefined {
  if (req.method !== 'PUT' && req.method !== 'DELETE') return undefined;
  if (req.headers['if-match'] === undefined && req.headers['if-none-match'] === undefined) return undefined;
  let addr;
  try {
    addr = s3Address(req.headers.host ?? '', (req.url ?? '/').split('?')[0]!);
  } catch {
    return undefined;
  }
  if (!addr.bucket || !addr.key) return undefined;
  const id = `${addr.bucket}/${addr.key}`;
  let byKey = inflight.get(state);
  if (!byKey) inflight.set(state, (byKey = new Map()));
  const w: InflightWrite = { id, conflicted: false };
  byKey.set(id, (byKey.get(id) ?? new Set()).add(w));
  return w;
}

export function endS3Write(state: FakeState, w: InflightWrite | undefined): void {
  if (w) inflight.get(state)?.get(w.id)?.delete(w);
}

// A write to `bucket/key` committed: every other conditional write still arriving for it conflicts.
function committed(state: FakeState, id: string, me: InflightWrite | undefined): void {
  for (const other of inflight.get(state)?.get(id) ?? []) if (other !== me) other.conflicted = true;
}

const xml = (body: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
const ok = (headers: Record<string, string> = {}, body: Buffer = Buffer.alloc(0), status = 200): S3Answer => ({
  status,
  headers,
  body,
});

function objectHeaders(b: FakeBucket, v: FakeObjectVersion): Record<string, string> {
  return {
    ETag: v.etag,
    'Last-Modified': new Date(v.lastModified).toUTCString(),
    'Content-Type': v.contentType,
    'Accept-Ranges': 'bytes',
    ...(b.versioning ? { 'x-amz-version-id': v.versionId } : {}),
  };
}

// Owner ID of the fake account, as S3 lists it (a canonical user id).
const ownerId = (state: FakeState) => createHash('sha256').update(state.accountId).digest('hex');

function listVersions(state: FakeState, b: FakeBucket, q: Map<string, string>): S3Answer {
  const prefix = q.get('prefix') ?? '';
  const entries: string[] = [];
  for (const key of [...b.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
    const list = b.objects.get(key)!;
    list
      .slice()
      .reverse()
      .forEach((v, i) => {
        const common = `<Key>${xmlEscape(key)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${i === 0}</IsLatest><LastModified>${new Date(v.lastModified).toISOString()}</LastModified>`;
        const owner = `<Owner><ID>${ownerId(state)}</ID></Owner>`;
        entries.push(
          v.deleteMarker
            ? `<DeleteMarker>${common}${owner}</DeleteMarker>`
            : `<Version>${common}<ETag>${xmlEscape(v.etag)}</ETag><Size>${v.body.length}</Size>${owner}<StorageClass>STANDARD</StorageClass></Version>`,
        );
      });
  }
  return ok(
    { 'Content-Type': 'application/xml' },
    xml(
      `<ListVersionsResult xmlns="${NS}"><Name>${xmlEscape(b.name)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${entries.join('')}</ListVersionsResult>`,
    ),
  );
}

function getObject(b: FakeBucket, key: string, w: WireRequest, q: Map<string, string>): S3Answer {
  const versionId = q.get('versionId');
  const v = versionId !== undefined ? versionOf(b, key, versionId) : current(b, key);
  if (!v || v.deleteMarker) {
    const marker = versionId === undefined && b.objects.get(key)?.at(-1)?.deleteMarker;
    if (versionId !== undefined && !v)
      throw new AwsError('NoSuchVersion', 404, 'The specified version does not exist.', {
        Key: key,
        VersionId: versionId,
      });
    throw new AwsError(
      'NoSuchKey',
      404,
      'The specified key does not exist.',
      { Key: key },
      undefined,
      'Sender',
      marker ? { 'x-amz-delete-marker': 'true' } : {},
    );
  }
  const ifMatch = header(w, 'if-match');
  if (ifMatch !== undefined && ifMatch.replace(/"/g, '') !== v.etag.replace(/"/g, ''))
    throw new AwsError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', {
      Condition: 'If-Match',
    });
  const ifNoneMatch = header(w, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.replace(/"/g, '') === v.etag.replace(/"/g, ''))
    return ok(objectHeaders(b, v), Buffer.alloc(0), 304);
  return ok(
    { ...objectHeaders(b, v), 'Content-Length': String(v.body.length) },
    w.method === 'HEAD' ? Buffer.alloc(0) : v.body,
  );
}

// Runs one S3 request; throws the AwsError S3 would answer with.
export function runS3(state: FakeState, w: WireRequest, write: InflightWrite | undefined): S3Answer {
  const addr = s3Address(header(w, 'host') ?? '', w.rawPath);
  const q = new Map(parseQuery(w.rawQuery));
  if (!addr.bucket)
    throw new AwsError('NotImplemented', 501, 'A header you provided implies functionality that is not implemented');
  const b = state.buckets.get(addr.bucket);
  if (!b) throw new AwsError('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: addr.bucket });
  if (addr.key === '') {
    if (w.method === 'HEAD') return ok({ 'x-amz-bucket-region': state.region });
    if (w.method === 'GET' && q.has('versions')) return listVersions(state, b, q);
    if (w.method === 'GET' && q.has('versioning')) {
      return ok(
        { 'Content-Type': 'application/xml' },
        xml(
          `<VersioningConfiguration xmlns="${NS}">${b.versioning ? '<Status>Enabled</Status>' : ''}</VersioningConfiguration>`,
        ),
      );
    }
    throw new AwsError('NotImplemented', 501, 'A header you provided implies functionality that is not implemented');
  }
  const id = `${b.name}/${addr.key}`;
  if (w.method === 'GET' || w.method === 'HEAD') return getObject(b, addr.key, w, q);
  if (w.method === 'PUT') {
    if (header(w, 'x-amz-copy-source') !== undefined || q.has('partNumber') || q.has('tagging') || q.has('acl'))
      throw new AwsError('NotImplemented', 501, 'A header you provided implies functionality that is not implemented');
    if ((header(w, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-'))
      throw new AwsError('NotImplemented', 501, 'A header you provided implies functionality that is not implemented', {
        Header: 'x-amz-content-sha256',
      });
    if (write?.conflicted)
      throw new AwsError(
        'ConditionalRequestConflict',
        409,
        'A conflicting conditional operation is currently in progress against this resource. Please try again.',
      );
    checkWriteConditions(b, addr.key, header(w, 'if-match'), header(w, 'if-none-match'));
    const v = putVersion(b, addr.key, w.body, header(w, 'content-type') ?? 'binary/octet-stream', nowMs(state));
    committed(state, id, write);
    return ok({ ETag: v.etag, ...(b.versioning ? { 'x-amz-version-id': v.versionId } : {}) });
  }
  if (w.method === 'DELETE') {
    if (write?.conflicted)
      throw new AwsError(
        'ConditionalRequestConflict',
        409,
        'A conflicting conditional operation is currently in progress against this resource. Please try again.',
      );
    if (header(w, 'if-match') !== undefined) checkWriteConditions(b, addr.key, header(w, 'if-match'), undefined);
    const r = deleteObject(b, addr.key, q.get('versionId'), nowMs(state));
    committed(state, id, write);
    return ok(
      {
        ...(r.versionId && b.versioning ? { 'x-amz-version-id': r.versionId } : {}),
        ...(r.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
      },
      Buffer.alloc(0),
      204,
    );
  }
  throw new AwsError('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
}
