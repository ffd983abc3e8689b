// SigV4 verification as an AWS front end does it: parse the Authorization header or the
// presigned query, rebuild the canonical request from what came over the wire, and compare
// the signature made with the caller's secret. Written from the SigV4 specification.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// The one signing algorithm SigV4 names, and the payload hash of a payload left unsigned.
export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

// A request as it arrived: path and query exactly as sent (still percent-encoded).
export interface WireRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Lower-case header name to its values in arrival order. */
  headers: Map<string, string[]>;
  body: Buffer;
}

// What a request claims about its signature, from the header or the query.
export interface SignatureClaim {
  presigned: boolean;
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  /** X-Amz-Date (or Date) as sent, `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  securityToken?: string;
  /** X-Amz-Expires of a presigned request, seconds. */
  expires?: number;
}

// Why a claim could not even be read; the server turns it into the protocol's error.
export class ClaimProblem extends Error {
  constructor(
    readonly kind: 'missing' | 'incomplete' | 'query',
    message: string,
  ) {
    super(message);
  }
}

// Hex SHA-256, the hash of every SigV4 step.
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

// RFC 3986 encoding of one component as SigV4 wants it: only A-Z a-z 0-9 - _ . ~ stay.
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// Query pairs as sent, decoded; order kept.
export function parseQuery(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [percentDecode(pair), ''] : [percentDecode(pair.slice(0, eq)), percentDecode(pair.slice(eq + 1))];
    });
}

// Header value the way SigV4 canonicalises it: trimmed, inner runs of spaces collapsed.
function canonicalHeaderValue(values: string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

// Canonical URI for every service but S3: dot segments and empty segments removed, then
// each segment encoded once more (the wire form is already encoded once).
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalised = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return normalised.split('/').map(uriEncode).join('/');
}

// Canonical query: every pair but the signature, encoded, sorted by key then value.
export function canonicalQuery(rawQuery: string): string {
  return parseQuery(rawQuery)
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

// The payload hash the client must have signed: the hash of the body received, or
// UNSIGNED-PAYLOAD when it declared so in x-amz-content-sha256. A declared hash that is not
// the body's leaves the body's hash here, so the signature fails as it does at AWS.
export function payloadHash(req: WireRequest): string {
  return req.headers.get('x-amz-content-sha256')?.[0] === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(req.body);
}

// The canonical request of SigV4, task 1.
export function canonicalRequest(req: WireRequest, claim: SignatureClaim): string {
  const headerLines = claim.signedHeaders
    .map((h) => `${h}:${canonicalHeaderValue(req.headers.get(h) ?? [])}\n`)
    .join('');
  return [
    req.method.toUpperCase(),
    // S3 signs the path as sent (encoded once, dot segments kept); every other service normalises it.
    claim.service === 's3' ? req.rawPath || '/' : canonicalUri(req.rawPath),
    canonicalQuery(req.rawQuery),
    headerLines,
    claim.signedHeaders.join(';'),
    payloadHash(req),
  ].join('\n');
}

// The string to sign of SigV4, task 2.
export function stringToSign(canonical: string, claim: SignatureClaim): string {
  return [
    ALGORITHM,
    claim.amzDate,
    `${claim.scopeDate}/${claim.region}/${claim.service}/aws4_request`,
    sha256Hex(canonical),
  ].join('\n');
}

// The signing key of SigV4, task 3.
export function signingKey(secret: string, scopeDate: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, scopeDate), region), service), 'aws4_request');
}

// The signature the holder of `secret` would have sent for this request.
export function expectedSignature(req: WireRequest, claim: SignatureClaim, secret: string): string {
  return hmac(
    signingKey(secret, claim.scopeDate, claim.region, claim.service),
    stringToSign(canonicalRequest(req, claim), claim),
  ).toString('hex');
}

// Whether the sent signature is the expected one (constant time).
export function signatureMatches(req: WireRequest, claim: SignatureClaim, secret: string): boolean {
  const want = Buffer.from(expectedSignature(req, claim, secret), 'utf8');
  const got = Buffer.from(claim.signature, 'utf8');
  return want.length === got.length && timingSafeEqual(want, got);
}

function parseCredential(
  credential: string,
  where: string,
): Pick<SignatureClaim, 'accessKeyId' | 'scopeDate' | 'region' | 'service'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') {
    throw new ClaimProblem(
      where === 'query' ? 'query' : 'incomplete',
      `Credential should be scoped to a valid region. ` + `'${credential}' is not a valid credential scope.`,
    );
  }
  return { accessKeyId: parts[0]!, scopeDate: parts[1]!, region: parts[2]!, service: parts[3]! };
}

// Reads the signature claim of a request; undefined when it carries none at all.
export function readClaim(req: WireRequest): SignatureClaim | undefined {
  const query = new Map(parseQuery(req.rawQuery));
  const authorization = req.headers.get('authorization')?.[0];
  if (authorization !== undefined) {
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw new ClaimProblem('incomplete', `Unsupported AWS 'algorithm': '${authorization.split(' ')[0]}'`);
    }
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields.has(f));
    if (missing.length > 0) {
      throw new ClaimProblem(
        'incomplete',
        missing.map((f) => `Authorization header requires '${f}' parameter.`).join(' ') +
          ` Authorization=${authorization}`,
      );
    }
    const amzDate = req.headers.get('x-amz-date')?.[0];
    if (amzDate === undefined) {
      throw new ClaimProblem(
        'incomplete',
        `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization}`,
      );
    }
    return {
      presigned: false,
      ...parseCredential(fields.get('Credential')!, 'header'),
      amzDate,
      signedHeaders: fields.get('SignedHeaders')!.split(';'),
      signature: fields.get('Signature')!,
      securityToken: req.headers.get('x-amz-security-token')?.[0],
    };
  }
  if (query.has('X-Amz-Signature') || query.has('X-Amz-Credential') || query.has('X-Amz-Algorithm')) {
    const missing = [
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Signature',
      'X-Amz-SignedHeaders',
      'X-Amz-Date',
    ].filter((k) => !query.has(k));
    if (missing.length > 0) {
      throw new ClaimProblem(
        'query',
        `AWS query-string parameters must include ${missing.map((m) => `'${m}'`).join(', ')}. Re-examine the query-string parameters.`,
      );
    }
    if (query.get('X-Amz-Algorithm') !== ALGORITHM) {
      throw new ClaimProblem('query', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
    }
    const expiresText = query.get('X-Amz-Expires');
    const expires = expiresText === undefined ? undefined : Number(expiresText);
    if (expires !== undefined && (!Number.isInteger(expires) || expires < 0 || expires > 604800)) {
      throw new ClaimProblem('query', 'X-Amz-Expires must be between 0 and 604800 seconds');
    }
    return {
      presigned: true,
      ...parseCredential(query.get('X-Amz-Credential')!, 'query'),
      amzDate: query.get('X-Amz-Date')!,
      signedHeaders: query.get('X-Amz-SignedHeaders')!.split(';'),
      signature: query.get('X-Amz-Signature')!,
      securityToken: query.get('X-Amz-Security-Token'),
      expires,
    };
  }
  return undefined;
}

// `YYYYMMDDTHHMMSSZ` of an instant, as SigV4 writes dates.
export function amzDateOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

// The instant of a SigV4 date, or NaN.
export function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}
