// The S3 client of an s3 state backend, loaded on first use (`pctl --help` never loads the
// SDK), and S3's answers turned into pctl's errors. Region, endpoint and credentials
// resolve as for the aws provider: the block's region, else AWS_REGION or the profile's;
// the block's endpoint, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; the SDK's default
// credential chain (environment, profile with SSO or credential_process, roles).
import type { S3Client } from '@aws-sdk/client-s3';
import { quietAwsSdk } from '../../config/aws.js';
import { PctlError } from '../../errors.js';
import type { S3StateConfig } from '../../config/stateSchema.js';

export type S3Module = typeof import('./s3Sdk.js');
export interface S3 {
  client: S3Client;
  mod: S3Module;
}

const clients = new Map<string, Promise<S3>>();

// One client per region/endpoint/addressing, made once per process.
export function s3For(cfg: S3StateConfig): Promise<S3> {
  const id = JSON.stringify([cfg.region ?? '', cfg.endpoint ?? '', cfg.usePathStyle ?? false]);
  let p = clients.get(id);
  if (!p) {
    p = (async () => {
      quietAwsSdk();
      const mod = await import('./s3Sdk.js');
      const client = new mod.S3Client({
        ...(cfg.region ? { region: cfg.region } : {}),
        ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
        ...(cfg.usePathStyle !== undefined ? { forcePathStyle: cfg.usePathStyle } : {}),
        // A store that does not answer fails in seconds, not after minutes of retries.
        maxAttempts: 3,
      });
      return { client, mod };
    })();
    clients.set(id, p);
    p.catch(() => clients.delete(id));
  }
  return p;
}

/** An S3 error's name (`PreconditionFailed`, `NoSuchKey`, ...) and HTTP status. */
export function s3ErrorOf(e: unknown): { name: string; status?: number } {
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return { name: err.Code ?? err.name ?? 'Error', status: err.$metadata?.httpStatusCode };
}

const NETWORK = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
]);

// The pctl error of an S3 call that failed for a reason the caller does not handle itself.
export function s3Failure(e: unknown, what: string, cfg: S3StateConfig): PctlError {
  if (e instanceof PctlError) return e;
  const { name, status } = s3ErrorOf(e);
  const code = (e as { code?: string }).code;
  const message = ((e as Error).message ?? String(e)).split('\n')[0];
  const where = `s3://${cfg.bucket}/${cfg.key}`;
  if (name === 'NoSuchBucket') {
    return new PctlError({
      code: 'StateBucketMissing',
      message: `${what} ${where}: the bucket ${cfg.bucket} does not exist${cfg.region ? ` in ${cfg.region}` : ''}`,
      fault: 'user',
      exitCode: 1,
      hint: 'create it (with versioning on, to keep earlier states) or fix state.bucket',
    });
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || (status === 403 && !/Signature|Token|AccessKey/.test(name))) {
    return new PctlError({
      code: 'StateAccessDenied',
      message: `${what} ${where}: access denied (${message})`,
      fault: 'environment',
      exitCode: 1,
      hint: `the AWS principal needs s3:GetObject, s3:PutObject and s3:DeleteObject on the key and its .lock in ${cfg.bucket}, and s3:ListBucketVersions for pctl state history (docs/using/state.md)`,
    });
  }
  if (
    /InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken|CredentialsProviderError/.test(name) ||
    /Could not load credentials/.test(message)
  ) {
    return new PctlError({
      code:
        name === 'ExpiredToken'
          ? 'AwsCredentialsExpired'
          : /CredentialsProvider|Could not load/.test(name + message)
            ? 'AwsCredentialsMissing'
            : 'AwsCredentialsInvalid',
      message: `${what} ${where}: ${name}: ${message}`,
      fault: 'environment',
      exitCode: 1,
      hint: 'check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)',
    });
  }
  if (/Region is missing/i.test(message)) {
    return new PctlError({
      code: 'AwsRegionMissing',
      message: `${what} ${where}: no AWS region is set`,
      fault: 'user',
      exitCode: 2,
      hint: 'set state.region, AWS_REGION, or region in the AWS profile',
    });
  }
  if (
    (code && NETWORK.has(code)) ||
    NETWORK.has(name) ||
    /ECONNREFUSED|ENOTFOUND|socket hang up|timed? ?out/i.test(message)
  ) {
    return new PctlError({
      code: 'StateEndpointUnreachable',
      message: `${what} ${where}: the S3 endpoint${cfg.endpoint ? ` ${cfg.endpoint}` : ''} does not answer (${code ?? name}: ${message})`,
      fault: 'environment',
      exitCode: 1,
      hint: 'check state.endpoint (or AWS_ENDPOINT_URL_S3) and the network',
    });
  }
  return new PctlError({
    code: 'AwsApiError',
    message: `${what} ${where}: ${name}${status ? ` (HTTP ${status})` : ''}: ${message}`,
    fault: 'environment',
    exitCode: 1,
  });
}
