// EKS: DescribeCluster for the endpoint and CA, then a Kubernetes client whose bearer
// token is a fresh EKS token (eksToken.ts) before the last one expires. Nothing is
// written to a kubeconfig; no aws CLI is run.
import type { ProviderContext } from '@pctl/core';
import { connect, renewingToken, tokenClient, type KubeClient, type RenewingToken } from '@pctl/kube';
import { awsError } from './errors.js';
import { eksToken } from './eksToken.js';
import { awsSdk, type AwsSdk } from './sdk.js';
import type { AwsOptions } from './options.js';

/** Where an EKS cluster is: the part of the options (or of a state entry) that names it. */
export type EksWhere = Pick<AwsOptions, 'cluster' | 'region' | 'credentials' | 'context'>;

export interface EksCluster {
  arn: string;
  endpoint: string;
  caData?: string;
}

/** DescribeCluster: the API endpoint and CA of a cluster that is ACTIVE (or updating). */
export async function describeCluster(sdk: AwsSdk, name: string): Promise<EksCluster> {
  let c;
  try {
    c = (await sdk.eks.send(new sdk.eksModule.DescribeClusterCommand({ name }))).cluster;
  } catch (e) {
    throw awsError(e, 'EKS DescribeCluster', `cluster ${name} in ${sdk.region}`, {
      ResourceNotFoundException: `check provider.options.cluster and region (aws eks list-clusters --region ${sdk.region})`,
    });
  }
  if (!c?.endpoint)
    throw awsError(
      Object.assign(
        new Error(`the cluster has no endpoint yet (status ${c?.status ?? 'unknown'}); wait until it is ACTIVE`),
        { name: 'ClusterNotReady' },
      ),
      'EKS DescribeCluster',
      `cluster ${name} in ${sdk.region}`,
    );
  return { arn: c.arn ?? name, endpoint: c.endpoint, caData: c.certificateAuthority?.data };
}

// One renewing token per cluster and credentials, shared by every service of the run.
const tokens = new Map<string, RenewingToken>();

/** A client for the EKS cluster (or for `context` of the user's kubeconfig when set). */
export async function eksClient(ctx: ProviderContext, where: EksWhere): Promise<KubeClient> {
  if (where.context)
    return connect({
      context: where.context,
      hint: `get it with: aws eks update-kubeconfig --name ${where.cluster}${where.region ? ` --region ${where.region}` : ''}`,
    });
  const sdk = await awsSdk(ctx, where);
  const cluster = await describeCluster(sdk, where.cluster);
  const id = `${cluster.arn}\n${where.credentials?.access_key_id ?? ''}`;
  let t = tokens.get(id);
  if (!t) {
    t = renewingToken(() => eksToken(sdk, where.cluster));
    tokens.set(id, t);
  }
  return tokenClient({
    name: cluster.arn,
    server: cluster.endpoint,
    caData: cluster.caData,
    tokens: t,
    hint: `the IAM principal needs Kubernetes access to ${where.cluster}: an EKS access entry or an aws-auth mapping (docs/using/aws.md)`,
  });
}
