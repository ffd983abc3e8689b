// Bearer-token authentication of EKS tokens for the Kubernetes API test server, as
// aws-iam-authenticator's pkg/token Verify does it: check the presigned STS URL inside the
// token, then let STS (the fake) check its signature with this cluster's id.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const V1_PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN_LEN = 4096;
const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
const PRESIGNED_URL_LIFETIME_MS = 15 * 60_000;
const ALLOWED_PARAMETERS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);

// Who a token belonged to, as the authenticator maps it.
export interface EksIdentity {
  arn: string;
  canonicalArn: string;
  accountId: string;
  userId: string;
  sessionName?: string;
  accessKeyId: string;
  username: string;
}

// The `authenticate` option of startKubeApiServer, with what it decided.
export interface EksAuthenticator {
  (bearer: string): Promise<boolean>;
  /** Identities of accepted tokens, in order. */
  identities: EksIdentity[];
  /** Why tokens were refused, in order (aws-iam-authenticator's messages). */
  rejections: string[];
}

class Refused extends Error {}

// Hosts of STS in the aws partition (global, regional, FIPS, dual-stack).
function isStsHost(host: string): boolean {
  return host === 'sts.amazonaws.com' || /^sts(-fips)?\.[a-z]{2}(-[a-z]+)+-\d+\.(amazonaws\.com|api\.aws)$/.test(host);
}

function decodeToken(token: string): URL {
  if (token.length > MAX_TOKEN_LEN) throw new Refused('token is too large');
  if (!token.startsWith(V1_PREFIX)) throw new Refused(`token is missing expected "${V1_PREFIX}" prefix`);
  const encoded = token.slice(V1_PREFIX.length);
  // Go's base64.RawURLEncoding: URL alphabet, no padding.
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) throw new Refused('illegal base64 data in token');
  try {
    return new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (e) {
    throw new Refused((e as Error).message);
  }
}

function checkQuery(url: URL, nowMs: number): Map<string, string> {
  const lower = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const k = key.toLowerCase();
    if (lower.has(k)) throw new Refused(`duplicate query parameter found: "${key}"`);
    if (!ALLOWED_PARAMETERS.has(k)) throw new Refused(`non-whitelisted query parameter "${key}"`);
    lower.set(k, value);
  }
  if (lower.get('action') !== 'GetCallerIdentity') throw new Refused('unexpected action parameter in pre-signed URL');
  const signed = (lower.get('x-amz-signedheaders') ?? '').split(';');
  if (!signed.some((h) => h.toLowerCase() === CLUSTER_ID_HEADER)) {
    throw new Refused(`client did not sign the ${CLUSTER_ID_HEADER} header in the pre-signed URL`);
  }
  const expires = Number(lower.get('x-amz-expires'));
  if (!/^\d+$/.test(lower.get('x-amz-expires') ?? '') || expires > 900) {
    throw new Refused(`invalid X-Amz-Expires parameter in pre-signed URL: ${lower.get('x-amz-expires') ?? ''}`);
  }
  const date = lower.get('x-amz-date');
  if (!date) throw new Refused('X-Amz-Date parameter must be present in pre-signed URL');
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m) throw new Refused(`error parsing X-Amz-Date parameter ${date} into format 20060102T150405Z`);
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (nowMs > signedAt + PRESIGNED_URL_LIFETIME_MS)
    throw new Refused(`X-Amz-Date parameter is expired (15 minute expiration) ${date}`);
  return lower;
}

function get(endpoint: URL, url: URL, clusterId: string): Promise<{ status: number; body: string }> {
  const send = endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: endpoint.hostname,
        port: endpoint.port || undefined,
        method: 'GET',
        path: `${url.pathname}${url.search}`,
        // The URL's own host is what was signed; the request goes to the configured STS endpoint.
        headers: { Host: url.host, [CLUSTER_ID_HEADER]: clusterId, accept: 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// arn.Canonicalize: an assumed-role session ARN becomes its role's IAM ARN.
function canonicalize(arn: string): { type: 'role' | 'user' | 'root' | 'federated'; canonical: string } {
  const m = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$/.exec(arn);
  if (!m) throw new Refused(`arn '${arn}' is invalid`);
  const [, partition, service, account, resource] = m;
  if (service === 'sts' && resource!.startsWith('assumed-role/')) {
    const parts = resource!.split('/');
    if (parts.length < 3) throw new Refused(`assumed-role arn '${arn}' does not have a role`);
    return { type: 'role', canonical: `arn:${partition}:iam::${account}:role/${parts[1]}` };
  }
  if (service === 'sts' && resource!.startsWith('federated-user/')) return { type: 'federated', canonical: arn };
  if (service === 'iam' && resource === 'root') return { type: 'root', canonical: arn };
  if (service === 'iam' && (resource!.startsWith('user/') || resource!.startsWith('role/')))
    return { type: resource!.startsWith('user/') ? 'user' : 'role', canonical: arn };
  throw new Refused(`unrecognized arn: ${arn}`);
}

// An authenticate function accepting EKS tokens for `clusterId`, verified by the STS at
// `stsEndpoint`. Token URLs may name a real STS host (https) or the fake's own host.
// With `users`, only mapped canonical ARNs get in (aws-auth / access entries); `now` is its
// clock (pass the fake's `now` to move both together).
export function eksAuthenticator(opts: {
  stsEndpoint: string;
  clusterId: string;
  users?: Record<string, string>;
  now?: () => number;
}): EksAuthenticator {
  const now = opts.now ?? Date.now;
  const endpoint = new URL(opts.stsEndpoint);
  const verify = async (token: string): Promise<EksIdentity> => {
    const url = decodeToken(token);
    const ownHost = url.host === endpoint.host && url.protocol === endpoint.protocol;
    if (!ownHost && url.protocol !== 'https:')
      throw new Refused(`unexpected scheme "${url.protocol.replace(':', '')}" in pre-signed URL`);
    if (!ownHost && !isStsHost(url.host)) throw new Refused(`unexpected hostname "${url.host}" in pre-signed URL`);
    if (url.pathname !== '/') throw new Refused('unexpected path in pre-signed URL');
    const query = checkQuery(url, now());
    const answer = await get(endpoint, url, opts.clusterId);
    if (answer.status !== 200) {
      throw new Refused(
        `error from AWS (expected 200, got ${answer.status}) on ${url.host} endpoint. Body: ${answer.body}`,
      );
    }
    const result = (
      JSON.parse(answer.body) as {
        GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: string; Account: string; UserId: string } };
      }
    ).GetCallerIdentityResponse.GetCallerIdentityResult;
    const { type, canonical } = canonicalize(result.Arn);
    let userId = result.UserId;
    let sessionName: string | undefined;
    if (type === 'role') {
      const parts = result.UserId.split(':');
      if (parts.length !== 2) throw new Refused(`malformed UserID "${result.UserId}"`);
      [userId, sessionName] = parts as [string, string];
    }
    const username = opts.users === undefined ? canonical : opts.users[canonical];
    if (username === undefined) throw new Refused(`ARN is not mapped: ${canonical}`);
    return {
      arn: result.Arn,
      canonicalArn: canonical,
      accountId: result.Account,
      userId,
      sessionName,
      accessKeyId: (query.get('x-amz-credential') ?? '').split('/')[0]!,
      username,
    };
  };
  const keep = <T>(list: T[], item: T) => {
    list.push(item);
    // A long deploy authenticates every API request: keep the recent decisions only.
    if (list.length > 1000) list.splice(0, list.length - 1000);
  };
  const authenticate = (async (bearer: string) => {
    try {
      keep(authenticate.identities, await verify(bearer));
      return true;
    } catch (e) {
      // Any failure, STS unreachable included, is a refusal (401), as in aws-iam-authenticator.
      keep(authenticate.rejections, e instanceof Refused ? e.message : `error during GET: ${(e as Error).message}`);
      return false;
    }
  }) as EksAuthenticator;
  authenticate.identities = [];
  authenticate.rejections = [];
  return authenticate;
}
