// Every AWS failure as one PctlError line: the call, the resource, AWS's error code and
// message, and the fix (credentials, IAM permission, cluster name, a retry later).
import { PctlError, type ErrorCode } from '@pctl/core';

const CREDENTIALS_HINT =
  'set AWS_PROFILE (aws sso login for SSO profiles) or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or provider.options.credentials';

/** The IAM action each call needs (said when AWS answers AccessDenied). */
const ACTIONS: Record<string, string> = {
  'STS GetCallerIdentity': 'sts:GetCallerIdentity',
  'EKS DescribeCluster': 'eks:DescribeCluster',
  'ECR DescribeRepositories': 'ecr:DescribeRepositories',
  'ECR CreateRepository': 'ecr:CreateRepository and ecr:TagResource',
  'ECR DescribeImages': 'ecr:DescribeImages',
  'ECR GetAuthorizationToken': 'ecr:GetAuthorizationToken',
  'ECR BatchDeleteImage': 'ecr:BatchDeleteImage',
  'ECR DeleteRepository': 'ecr:DeleteRepository',
};

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
  cause?: { code?: string; message?: string };
}

/** What AWS calls the error (InvalidClientTokenId, AccessDeniedException, ...). */
export const errorName = (e: unknown): string => {
  const err = e as SdkError;
  return err?.Code ?? err?.code ?? err?.name ?? 'Error';
};

/** An SDK failure of `call` on `resource` as one line with the fix; `hints` by error name. */
export function awsError(e: unknown, call: string, resource: string, hints: Record<string, string> = {}): PctlError {
  if (e instanceof PctlError) return e;
  const err = e as SdkError;
  const name = errorName(e);
  const said = String(err?.message ?? e)
    .split('\n')[0]!
    .slice(0, 300);
  const status = err?.$metadata?.httpStatusCode;
  let code: ErrorCode = 'AwsApiError';
  let fault: 'user' | 'environment' = 'environment';
  let hint = hints[name];
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(said)) {
    code = 'AwsCredentialsMissing';
    hint ??= CREDENTIALS_HINT;
  } else if (/^(ExpiredToken|ExpiredTokenException|RequestExpired|TokenRefreshRequired)$/.test(name)) {
    code = 'AwsCredentialsExpired';
    hint ??= 'the session has expired: get new credentials (aws sso login, or a new session token) and run again';
  } else if (
    /^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidSignatureException|IncompleteSignature|MissingAuthenticationToken)/.test(
      name,
    )
  ) {
    code = 'AwsCredentialsInvalid';
    hint ??= `the credentials are not valid: check the access key and secret (${CREDENTIALS_HINT})`;
  } else if (/^AccessDenied/.test(name) || status === 403) {
    code = 'AwsAccessDenied';
    hint ??= `the IAM principal needs ${ACTIONS[call] ?? 'the permission for this call'} on ${resource} (see docs/using/aws.md for the policy)`;
  } else if (/Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(name) || status === 429) {
    code = 'AwsThrottled';
    hint ??=
      'AWS throttled the calls even after retries: run again in a minute, or deploy fewer services at once (--concurrency)';
  } else if (/NotFound/.test(name) || status === 404) {
    code = 'AwsNotFound';
    fault = 'user';
  } else if (err?.cause?.code || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up/.test(said)) {
    code = 'AwsUnreachable';
    hint ??= 'check the network, or AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>';
  }
  return new PctlError({ code, message: `${call} ${resource}: ${name}: ${said}`, fault, exitCode: 1, hint, cause: e });
}
