// Who sent a request: checks its SigV4 claim against the test's credentials as AWS does
// (scope, clock, key, session token, signature), in that order, and names the principal.
import { createHash } from 'node:crypto';
import { authError, AwsError, type Protocol, SIGNATURE_MISMATCH, TOKEN_EXPIRED, TOKEN_INVALID } from './errors.js';
import { amzDateOf, parseAmzDate, type SignatureClaim, signatureMatches, type WireRequest } from './sigv4.js';

// How far a signed request's time may be from the server's, both ways (AWS: 15 minutes).
export const CLOCK_SKEW_MS = 15 * 60_000;
// How long a presigned STS URL lives after X-Amz-Date, whatever its X-Amz-Expires says.
export const STS_PRESIGN_LIFETIME_MS = 15 * 60_000;

// One credential the fake knows, as the test gave it.
export interface FakeCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: Date;
  /** Principal ARN GetCallerIdentity reports; derived when omitted. */
  arn?: string;
}

// The principal behind a credential, as GetCallerIdentity reports it.
export interface Principal {
  accessKeyId: string;
  arn: string;
  userId: string;
  account: string;
}

// The principal of a credential: an IAM user for long-term keys, an assumed role for keys
// with a session token, unless the test named the ARN.
export function principalOf(cred: FakeCredential, account: string): Principal {
  const id = createHash('sha256').update(cred.accessKeyId).digest('hex').slice(0, 17).toUpperCase();
  if (cred.arn !== undefined) {
    const assumed = /:assumed-role\/[^/]+\/(.+)$/.exec(cred.arn);
    return {
      accessKeyId: cred.accessKeyId,
      arn: cred.arn,
      account,
      userId: assumed ? `AROA${id}:${assumed[1]}` : `AIDA${id}`,
    };
  }
  if (cred.sessionToken !== undefined) {
    return {
      accessKeyId: cred.accessKeyId,
      arn: `arn:aws:sts::${account}:assumed-role/pctl-test/pctl-session`,
      userId: `AROA${id}:pctl-session`,
      account,
    };
  }
  return { accessKeyId: cred.accessKeyId, arn: `arn:aws:iam::${account}:user/pctl-test`, userId: `AIDA${id}`, account };
}

// What a request is checked against: the known credentials, the scope regions, the fake's clock.
export interface AuthContext {
  credentials: FakeCredential[];
  /** Regions a credential scope may name for this service. */
  regions: string[];
  nowMs: number;
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min.`;
}

// Checks the claim; returns the credential or throws the error AWS would answer with.
export function authenticate(
  req: WireRequest,
  claim: SignatureClaim,
  protocol: Protocol,
  ctx: AuthContext,
): FakeCredential {
  const requestMs = parseAmzDate(claim.amzDate);
  if (Number.isNaN(requestMs)) {
    throw authError(
      claim.presigned ? 'query' : 'incomplete',
      protocol,
      `Date must be in ISO-8601 'basic format'. Got '${claim.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  }
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) {
    throw authError(
      'scope',
      protocol,
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scopeDate}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`,
    );
  }
  if (!ctx.regions.includes(claim.region)) {
    throw authError('scope', protocol, `Credential should be scoped to a valid region, not '${claim.region}'. `);
  }
  if (!claim.signedHeaders.includes('host')) {
    throw authError(
      claim.presigned ? 'query' : 'incomplete',
      protocol,
      `'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`,
    );
  }
  const cred = ctx.credentials.find((c) => c.accessKeyId === claim.accessKeyId);
  if (cred === undefined || (cred.sessionToken ?? undefined) !== (claim.securityToken ?? undefined)) {
    throw authError('unknownKey', protocol, TOKEN_INVALID);
  }
  if (cred.expiresAt !== undefined && cred.expiresAt.getTime() <= ctx.nowMs) {
    throw authError('expiredToken', protocol, TOKEN_EXPIRED);
  }
  checkTime(claim, requestMs, protocol, ctx.nowMs);
  if (!signatureMatches(req, claim, cred.secretAccessKey)) throw authError('signature', protocol, SIGNATURE_MISMATCH);
  return cred;
}

// Request time against the server clock: 15 minutes either way for signed headers; a
// presigned URL lives X-Amz-Expires seconds, STS's always 15 minutes.
function checkTime(claim: SignatureClaim, requestMs: number, protocol: Protocol, nowMs: number): void {
  if (claim.presigned) {
    const lifetime = claim.service === 'sts' ? STS_PRESIGN_LIFETIME_MS : (claim.expires ?? 900) * 1000;
    if (nowMs - requestMs > lifetime) {
      throw authError(
        'skew',
        protocol,
        `Signature expired: ${claim.amzDate} is now earlier than ${amzDateOf(nowMs - lifetime)} (${amzDateOf(nowMs)} - ${minutes(lifetime)})`,
      );
    }
  } else if (nowMs - requestMs > CLOCK_SKEW_MS) {
    throw authError(
      'skew',
      protocol,
      `Signature expired: ${claim.amzDate} is now earlier than ${amzDateOf(nowMs - CLOCK_SKEW_MS)} (${amzDateOf(nowMs)} - ${minutes(CLOCK_SKEW_MS)})`,
    );
  }
  if (requestMs - nowMs > CLOCK_SKEW_MS) {
    throw authError(
      'skew',
      protocol,
      `Signature not yet current: ${claim.amzDate} is still later than ${amzDateOf(nowMs + CLOCK_SKEW_MS)} (${amzDateOf(nowMs)} + ${minutes(CLOCK_SKEW_MS)})`,
    );
  }
}
