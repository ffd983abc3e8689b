// A fake of Cloud Storage's JSON API for objects, on 127.0.0.1: media and multipart
// uploads, get (metadata or alt=media), delete, list (with versions), the generation
// preconditions (ifGenerationMatch, 0 for "must not exist") answering 412 as Cloud
// Storage does, and an STS token endpoint for an `external_account` credential file, so a
// client finds its credentials through Application Default Credentials; every storage
// call must carry the bearer token it hands out. @google-cloud/storage judges it
// (gcsFake.test.ts). See README.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { crc32c, type FakeBucket, live, md5, putGeneration, removeGeneration, resourceOf } from './objects.js';

export { live, putGeneration } from './objects.js';
export type { FakeBucket, Generation } from './objects.js';

export interface GcsCall {
  op: 'insert' | 'get' | 'media' | 'delete' | 'list' | 'token';
  bucket?: string;
  object?: string;
  status: number;
}

export interface GcsFake {
  endpoint: string;
  /** An `external_account` credential file for GOOGLE_APPLICATION_CREDENTIALS. */
  credentialsFile: string;
  /** The access token the fake's STS hands out (storage calls without it get 401). */
  token: string;
  buckets: Map<string, FakeBucket>;
  calls: GcsCall[];
  /** Answers the next `count` calls of `op` with this HTTP status (403 forbidden, 503, ...). */
  fail(op: GcsCall['op'], status: number, count?: number): void;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

// The call a request makes, before it is served.
function opOf(req: IncomingMessage): GcsCall['op'] {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/token') return 'token';
  if (url.pathname.startsWith('/upload/')) return 'insert';
  if (req.method === 'DELETE') return 'delete';
  if (/\/o$/.test(url.pathname)) return 'list';
  return url.searchParams.get('alt') === 'media' ? 'media' : 'get';
}

const reasonOf = (status: number) =>
  ({ 401: 'required', 403: 'forbidden', 404: 'notFound', 412: 'conditionNotMet', 429: 'rateLimitExceeded' })[status] ??
  'backendError';

const read = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

// The parts of a multipart/related body: [metadata JSON, media].
function multipart(body: Buffer, contentType: string): { headers: Record<string, string>; body: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'multipart upload without a boundary', 'invalid');
  const text = body.toString('latin1');
  const out: { headers: Record<string, string>; body: Buffer }[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = chunk.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) throw new HttpError(400, 'a multipart part without headers', 'invalid');
    const headers: Record<string, string> = {};
    for (const line of part.slice(0, sep).split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    out.push({ headers, body: Buffer.from(part.slice(sep + 4), 'latin1') });
  }
  if (out.length !== 2) throw new HttpError(400, `a multipart upload has 2 parts, not ${out.length}`, 'invalid');
  return out;
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const data = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res
    .writeHead(status, {
      'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json; charset=UTF-8',
      'content-length': String(data.length),
      ...headers,
    })
    .end(data);
}

/** Starts the fake with these buckets (name: versioning on or off). */
export async function startGcsFake(opts: { buckets: Record<string, { versioning?: boolean }> }): Promise<GcsFake> {
  const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
  const subjectToken = `subject-${randomBytes(12).toString('hex')}`;
  const buckets = new Map<string, FakeBucket>();
  for (const [name, b] of Object.entries(opts.buckets))
    buckets.set(name, { name, versioning: Boolean(b.versioning), objects: new Map() });
  const calls: GcsCall[] = [];
  const failures: { op: GcsCall['op']; status: number; left: number }[] = [];
  let base = '';

  const bucketOf = (name: string) => {
    const b = buckets.get(name);
    if (!b) throw new HttpError(404, 'The specified bucket does not exist.', 'notFound');
    return b;
  };
  const precondition = (b: FakeBucket, name: string, q: URLSearchParams) => {
    const want = q.get('ifGenerationMatch');
    if (want === null) return;
    const cur = live(b, name);
    if (want === '0' ? cur !== undefined : cur?.generation !== want)
      throw new HttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
  };
  const generationOf = (b: FakeBucket, name: string, q: URLSearchParams) => {
    const gen = q.get('generation');
    const g = gen === null ? live(b, name) : b.objects.get(name)?.find((x) => x.generation === gen);
    if (!g) throw new HttpError(404, `No such object: ${b.name}/${name}`, 'notFound');
    return g;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, call: GcsCall): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const q = url.searchParams;
    if (req.method === 'POST' && url.pathname === '/token') {
      call.op = 'token';
      const form = new URLSearchParams((await read(req)).toString());
      if (
        form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' ||
        form.get('subject_token') !== subjectToken
      ) {
        send(res, 400, { error: 'invalid_grant', error_description: 'the subject token is not valid' });
        return;
      }
      send(res, 200, {
        access_token: token,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`)
      throw new HttpError(401, 'Anonymous caller does not have storage.objects.get access.', 'required');
    let m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      call.op = 'insert';
      const b = bucketOf(decodeURIComponent(m[1]!));
      const body = await read(req);
      let name = q.get('name') ?? undefined;
      let media = body;
      let contentType = req.headers['content-type'] ?? 'application/octet-stream';
      const kind = q.get('uploadType');
      if (kind === 'multipart') {
        const [meta, data] = multipart(body, contentType);
        const j = JSON.parse(meta!.body.toString('utf8')) as { name?: string; contentType?: string };
        name = j.name ?? name;
        media = data!.body;
        contentType = j.contentType ?? data!.headers['content-type'] ?? 'application/octet-stream';
      } else if (kind !== 'media') throw new HttpError(400, `uploadType ${kind} is not supported here`, 'invalid');
      if (!name) throw new HttpError(400, 'Required', 'required');
      call.bucket = b.name;
      call.object = name;
      precondition(b, name, q);
      const g = putGeneration(b, name, media, contentType);
      send(res, 200, resourceOf(b, name, g, base));
      return;
    }
    m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      call.op = 'list';
      const b = bucketOf(decodeURIComponent(m[1]!));
      call.bucket = b.name;
      const prefix = q.get('prefix') ?? '';
      const versions = q.get('versions') === 'true';
      const all = [...b.objects.keys()]
        .filter((n) => n.startsWith(prefix))
        .sort()
        .flatMap((n) =>
          (versions ? b.objects.get(n)! : [live(b, n)].filter((g) => g !== undefined)).map((g) =>
            resourceOf(b, n, g, base),
          ),
        );
      const start = Number(q.get('pageToken') ?? 0);
      const max = Math.min(Number(q.get('maxResults') ?? 1000), 1000);
      const items = all.slice(start, start + max);
      send(res, 200, {
        kind: 'storage#objects',
        ...(items.length ? { items } : {}),
        ...(start + max < all.length ? { nextPageToken: String(start + max) } : {}),
      });
      return;
    }
    m = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (m) {
      const b = bucketOf(decodeURIComponent(m[1]!));
      const name = decodeURIComponent(m[2]!);
      call.bucket = b.name;
      call.object = name;
      if (req.method === 'DELETE') {
        call.op = 'delete';
        precondition(b, name, q);
        if (!removeGeneration(b, name, q.get('generation') ?? undefined))
          throw new HttpError(404, `No such object: ${b.name}/${name}`, 'notFound');
        send(res, 204);
        return;
      }
      if (req.method === 'GET') {
        const g = generationOf(b, name, q);
        precondition(b, name, q);
        if (q.get('alt') === 'media') {
          call.op = 'media';
          send(res, 200, g.body, {
            'content-type': g.contentType,
            'x-goog-generation': g.generation,
            'x-goog-hash': `crc32c=${crc32c(g.body)},md5=${md5(g.body)}`,
            'x-goog-stored-content-length': String(g.body.length),
          });
        } else {
          call.op = 'get';
          send(res, 200, resourceOf(b, name, g, base));
        }
        return;
      }
    }
    throw new HttpError(404, `the GCS fake does not serve ${req.method} ${url.pathname}`, 'notFound');
  }

  const server = createServer((req, res) => {
    const call: GcsCall = { op: opOf(req), status: 0 };
    // An injected failure answers before the call is served.
    const f = failures.find((x) => x.op === call.op && x.left > 0);
    if (f) f.left--;
    const served = f
      ? Promise.reject(new HttpError(f.status, `injected failure ${f.status} for ${call.op}`, reasonOf(f.status)))
      : handle(req, res, call);
    served
      .catch((e: unknown) => {
        const err = e instanceof HttpError ? e : new HttpError(500, String((e as Error).message ?? e), 'backendError');
        send(res, err.status, {
          error: {
            code: err.status,
            message: err.message,
            errors: [{ message: err.message, domain: 'global', reason: err.reason }],
          },
        });
      })
      .finally(() => {
        call.status = res.statusCode;
        calls.push(call);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-gcs-fake-'));
  const subjectFile = path.join(dir, 'subject-token');
  writeFileSync(subjectFile, subjectToken);
  const credentialsFile = path.join(dir, 'external-account.json');
  writeFileSync(
    credentialsFile,
    JSON.stringify({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pctl/providers/fake',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${base}/token`,
      credential_source: { file: subjectFile },
    }),
  );

  return {
    endpoint: base,
    credentialsFile,
    token,
    buckets,
    calls,
    fail: (op, status, count = 1) => void failures.push({ op, status, left: count }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
