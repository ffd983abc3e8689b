// STS's query-protocol GetCallerIdentity: XML, or JSON for `Accept: application/json`.
import { type Principal } from './auth.js';
import { AwsError, xmlEscape } from './errors.js';

// The body of a successful STS answer, in the format the caller accepts.
export function runSts(action: string | undefined, version: string | undefined, who: Principal, requestId: string, json: boolean): string {
  if (action === undefined) throw new AwsError('MissingAction', 400, 'Missing Action');
  if (action !== 'GetCallerIdentity') throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
  if (version !== '2011-06-15') throw new AwsError('InvalidAction', 400, `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`);
  if (json) {
    return JSON.stringify({
      GetCallerIdentityResponse: {
        GetCallerIdentityResult: { Account: who.account, Arn: who.arn, UserId: who.userId },
        ResponseMetadata: { RequestId: requestId },
      },
    });
  }
  return `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>${xmlEscape(who.arn)}</Arn>
    <UserId>${xmlEscape(who.userId)}</UserId>
    <Account>${who.account}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`;
}
