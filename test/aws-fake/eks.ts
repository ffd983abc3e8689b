// EKS's REST JSON DescribeCluster on the fake account.
import { AwsError } from './errors.js';
import type { FakeState } from './state.js';

// The operation a REST request names, with its path parameters.
export function eksRoute(method: string, rawPath: string): { op: string; name?: string } | undefined {
  const m = /^\/clusters\/([^/]+)\/?$/.exec(rawPath);
  if (m && method === 'GET') return { op: 'DescribeCluster', name: decodeURIComponent(m[1]!) };
  if (/^\/clusters\/?$/.test(rawPath) && method === 'GET') return { op: 'ListClusters' };
  return undefined;
}

// The ARN of a cluster.
export function clusterArn(state: FakeState, name: string): string {
  return `arn:aws:eks:${state.region}:${state.accountId}:cluster/${name}`;
}

// Runs one EKS operation.
export function runEks(state: FakeState, route: { op: string; name?: string }): unknown {
  if (route.op === 'ListClusters') return { clusters: [...state.clusters.keys()].sort() };
  const name = route.name!;
  const c = state.clusters.get(name);
  if (c === undefined)
    throw new AwsError('ResourceNotFoundException', 404, `No cluster found for name: ${name}.`, { clusterName: null });
  return {
    cluster: {
      name,
      arn: clusterArn(state, name),
      createdAt: c.createdAt,
      version: '1.32',
      endpoint: c.endpoint,
      roleArn: `arn:aws:iam::${state.accountId}:role/eks-cluster-role`,
      resourcesVpcConfig: {
        subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0f1e2d3c4b5a69788'],
        securityGroupIds: [],
        clusterSecurityGroupId: 'sg-0123456789abcdef0',
        vpcId: 'vpc-0123456789abcdef0',
        endpointPublicAccess: true,
        endpointPrivateAccess: false,
        publicAccessCidrs: ['0.0.0.0/0'],
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '10.100.0.0/16', ipFamily: 'ipv4' },
      logging: {
        clusterLogging: [
          { types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: false },
        ],
      },
      identity: {
        oidc: { issuer: `https://oidc.eks.${state.region}.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF` },
      },
      status: 'ACTIVE',
      certificateAuthority: { data: c.caData },
      platformVersion: 'eks.1',
      tags: {},
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    },
  };
}
