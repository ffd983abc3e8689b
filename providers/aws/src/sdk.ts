// The AWS SDK clients of one region and one set of credentials, loaded only when an aws
// service is deployed, destroyed or inspected. Credentials: the stack file's
// `credentials` (its values become secrets), else the SDK's default chain (environment,
// AWS_PROFILE and shared config with SSO and credential_process, container and instance
// roles). Endpoints: the SDK's own resolution, which honours AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_ECR / _EKS / _STS and the profile's endpoint_url.
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { PctlError, quietAwsSdk, type ProviderContext } from '@pctl/core';
import { regionOption, type AwsOptions } from './options.js';
import { awsError } from './errors.js';

export interface AwsSdk {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  ecr: ECRClient;
  eks: EKSClient;
  sts: STSClient;
  ecrModule: typeof import('@aws-sdk/client-ecr');
  eksModule: typeof import('@aws-sdk/client-eks');
  stsModule: typeof import('@aws-sdk/client-sts');
}

const REGION_HINT = 'set provider.options.region (or credentials.region), AWS_REGION, or region in the AWS profile';
const sdks = new Map<string, Promise<AwsSdk>>();
let defaultChain: AwsCredentialIdentityProvider | undefined;

// The values of explicit credentials are masked in every output and kept out of state.
function markSecret(ctx: ProviderContext, values: (string | undefined)[]): void {
  const secrets = ctx.secrets as string[];
  for (const v of values) if (v && !secrets.includes(v)) secrets.push(v);
}

/**
 * The credentials of `options.credentials`: both keys named are used as they are; otherwise
 * (the original's keys are optional) what the block names replaces that part of what the
 * SDK's chain finds, and a block with no key (`{ region }`) is the chain itself.
 */
export function credentialsFor(
  c: AwsOptions['credentials'],
  chain: () => AwsCredentialIdentityProvider,
): AwsCredentialIdentityProvider {
  if (c?.access_key_id && c.secret_access_key) {
    const explicit: AwsCredentialIdentity = {
      accessKeyId: c.access_key_id,
      secretAccessKey: c.secret_access_key,
      ...(c.session_token ? { sessionToken: c.session_token } : {}),
    };
    return async () => explicit;
  }
  if (!c?.access_key_id && !c?.secret_access_key && !c?.session_token) return chain();
  return async (props) => {
    const found = await chain()(props);
    return {
      ...found,
      accessKeyId: c.access_key_id ?? found.accessKeyId,
      secretAccessKey: c.secret_access_key ?? found.secretAccessKey,
      ...((c.session_token ?? found.sessionToken) ? { sessionToken: c.session_token ?? found.sessionToken } : {}),
    };
  };
}

/** The clients for the options' region and credentials, made once per process. */
export function awsSdk(ctx: ProviderContext, o: Pick<AwsOptions, 'region' | 'credentials'>): Promise<AwsSdk> {
  const c = o.credentials;
  if (c) markSecret(ctx, [c.secret_access_key, c.session_token]);
  const id = JSON.stringify([
    regionOption(o) ?? '',
    c?.access_key_id ?? '',
    c?.secret_access_key ?? '',
    c?.session_token ?? '',
  ]);
  let p = sdks.get(id);
  if (!p) {
    p = (async () => {
      quietAwsSdk();
      const [ecrModule, eksModule, stsModule, { fromNodeProviderChain }] = await Promise.all([
        import('@aws-sdk/client-ecr'),
        import('@aws-sdk/client-eks'),
        import('@aws-sdk/client-sts'),
        import('@aws-sdk/credential-providers'),
      ]);
      const credentials = credentialsFor(c, () => (defaultChain ??= fromNodeProviderChain()));
      const config = { region: regionOption(o), credentials };
      const sts = new stsModule.STSClient(config);
      let region: string;
      try {
        region = await sts.config.region();
      } catch {
        throw new PctlError({
          code: 'AwsRegionMissing',
          message: 'no AWS region is set for the aws provider',
          fault: 'user',
          hint: REGION_HINT,
        });
      }
      if (!region)
        throw new PctlError({
          code: 'AwsRegionMissing',
          message: 'no AWS region is set for the aws provider',
          fault: 'user',
          hint: REGION_HINT,
        });
      const withRegion = { ...config, region };
      return {
        region,
        credentials,
        sts: new stsModule.STSClient(withRegion),
        ecr: new ecrModule.ECRClient(withRegion),
        eks: new eksModule.EKSClient(withRegion),
        ecrModule,
        eksModule,
        stsModule,
      };
    })();
    sdks.set(id, p);
    p.catch(() => sdks.delete(id));
  }
  return p;
}

const accounts = new Map<AwsSdk, Promise<string>>();

/** The account of the credentials (STS GetCallerIdentity), once per client set. */
export function accountOf(sdk: AwsSdk): Promise<string> {
  let p = accounts.get(sdk);
  if (!p) {
    p = (async () => {
      try {
        const r = await sdk.sts.send(new sdk.stsModule.GetCallerIdentityCommand({}));
        if (!r.Account) throw new Error('GetCallerIdentity returned no account');
        return r.Account;
      } catch (e) {
        throw awsError(e, 'STS GetCallerIdentity', `in ${sdk.region}`);
      }
    })();
    accounts.set(sdk, p);
    p.catch(() => accounts.delete(sdk));
  }
  return p;
}
