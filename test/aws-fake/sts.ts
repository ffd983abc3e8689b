// STS's query protocol: GetCallerIdentity and AssumeRole, answered in XML, or in JSON for
// `Accept: application/json` (as aws-iam-authenticator asks).
import { randomBytes } from 'node:crypto';
import { principalOf, type Principal } from './auth.js';
import { AwsError, xmlEscape } from './errors.js';
import { type FakeState, nowMs } from './state.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
type Tree = { [k: string]: string | number | Tree };

function xml(tree: Tree, indent: string): string {
  return Object.entries(tree)
    .map(([k, v]) =>
      typeof v === 'object'
        ? `${indent}<${k}>\n${xml(v, `${indent}  `)}${indent}</${k}>\n`
        : `${indent}<${k}>${xmlEscape(String(v))}</${k}>\n`,
    )
    .join('');
}

function answer(action: string, result: Tree, requestId: string, json: boolean): string {
  if (json)
    return JSON.stringify({
      [`${action}Response`]: { [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } },
    });
  return `<${action}Response xmlns="${NS}">\n${xml({ [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } }, '  ')}</${action}Response>\n`;
}

function validation(message: string): AwsError {
  return new AwsError('ValidationError', 400, message);
}

// AssumeRole: any role of the fake's account may be assumed; the new credential is known
// to the fake from now on, with the session's expiry.
function assumeRole(state: FakeState, params: Map<string, string>, who: Principal): Tree {
  const roleArn = params.get('RoleArn') ?? '';
  const session = params.get('RoleSessionName') ?? '';
  const duration = Number(params.get('DurationSeconds') ?? 3600);
  const role = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/.exec(roleArn);
  if (!role) throw validation(`${roleArn} is invalid`);
  if (!/^[\w+=,.@-]{2,64}$/.test(session)) {
    throw validation(
      `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  }
  if (!Number.isInteger(duration) || duration < 900) {
    throw validation(
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  }
  if (duration > 3600)
    throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  if (role[1] !== state.accountId) {
    throw new AwsError(
      'AccessDenied',
      403,
      `User: ${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  }
  const expiresAt = new Date(Math.floor(nowMs(state) / 1000) * 1000 + duration * 1000);
  const cred = {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `FwoGZXIvYXdz${randomBytes(96).toString('base64')}`,
    expiresAt,
    arn: `arn:aws:sts::${state.accountId}:assumed-role/${role[2]}/${session}`,
  };
  state.credentials.push(cred);
  return {
    AssumedRoleUser: { AssumedRoleId: principalOf(cred, state.accountId).userId, Arn: cred.arn },
    Credentials: {
      AccessKeyId: cred.accessKeyId,
      SecretAccessKey: cred.secretAccessKey,
      SessionToken: cred.sessionToken,
      Expiration: expiresAt.toISOString().replace('.000Z', 'Z'),
    },
  };
}

// The body of a successful STS answer, in the format the caller accepts.
export function runSts(
  state: FakeState,
  params: Map<string, string>,
  who: Principal,
  requestId: string,
  json: boolean,
): string {
  const action = params.get('Action');
  const version = params.get('Version');
  if (action === undefined) throw new AwsError('MissingAction', 400, 'Missing Action');
  const known = action === 'GetCallerIdentity' || action === 'AssumeRole';
  if (!known || version !== '2011-06-15')
    throw new AwsError(
      'InvalidAction',
      400,
      `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
    );
  if (action === 'AssumeRole') return answer(action, assumeRole(state, params, who), requestId, json);
  return answer(action, { Arn: who.arn, UserId: who.userId, Account: who.account }, requestId, json);
}
