// The aws provider's world on 127.0.0.1: a real docker-registry standing in for ECR (user
// `AWS`, the password GetAuthorizationToken hands out), the AWS control-plane fake (every
// request's SigV4 signature verified), and the Kubernetes API test server as the EKS
// cluster, taking only EKS tokens the fake's authenticator verifies. `env` is what pctl
// needs to reach it all, with nothing of the user's AWS, docker or kube configuration.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startKubeApiServer, type KubeApiServer } from '../kube-api-server/index.js';
import {
  eksAuthenticator,
  startAwsFake,
  type AwsFake,
  type AwsFakeOptions,
  type EksAuthenticator,
} from '../aws-fake/index.js';
import { tempDir, writeTree } from './cli.js';
import { startRegistry, type TestRegistry } from './registry.js';
import { freePort } from './sshd.js';

export interface AwsWorld {
  dir: string;
  regPort: number;
  registryHost: string;
  registry: TestRegistry;
  fake: AwsFake;
  auth: EksAuthenticator;
  kube: KubeApiServer;
  dockerConfig: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAwsWorld(o: {
  accountId: string;
  region: string;
  cluster: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiresAt?: Date }[];
  registryPassword: string;
  /** Called with each bearer token the cluster is shown. */
  presented?: (bearer: string) => void;
  /** SSM parameters and CloudFormation stacks the account holds (see AwsFakeOptions). */
  parameters?: AwsFakeOptions['parameters'];
  stacks?: AwsFakeOptions['stacks'];
  /** Who runs the cluster's pods (default: the simulated kubelet; 'docker': real containers). */
  kubeRuntime?: 'docker';
  /** With kubeRuntime 'docker': the first part of the names of what the kubelet starts. */
  dockerNamePrefix?: string;
}): Promise<AwsWorld> {
  const tmp = tempDir();
  const dockerConfig = path.join(tmp.dir, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  const regPort = await freePort();
  const registryHost = `127.0.0.1:${regPort}`;
  const registry = await startRegistry(path.join(tmp.dir, 'registry'), regPort, 'AWS', o.registryPassword);
  const fake = await startAwsFake({
    accountId: o.accountId,
    region: o.region,
    credentials: o.credentials,
    registryHost,
    registryPassword: o.registryPassword,
    parameters: o.parameters,
    stacks: o.stacks,
  });
  // The authenticator and STS share the fake's clock, so a test can age tokens.
  const auth = eksAuthenticator({ stsEndpoint: fake.endpoint, clusterId: o.cluster, now: () => fake.now() });
  const kube = await startKubeApiServer({
    contextName: 'eks-fake',
    ...(o.kubeRuntime ? { runtime: o.kubeRuntime, dockerNamePrefix: o.dockerNamePrefix } : {}),
    authenticate: async (bearer) => {
      o.presented?.(bearer);
      return auth(bearer);
    },
  });
  fake.addCluster(o.cluster, { endpoint: kube.url, caData: kube.kubeConfig.getCluster(kube.contextName)!.caData! });
  writeTree(tmp.dir, { 'aws/config': '', 'aws/credentials': '' });
  const main = o.credentials[0]!;
  return {
    dir: tmp.dir,
    regPort,
    registryHost,
    registry,
    fake,
    auth,
    kube,
    dockerConfig,
    env: {
      AWS_ENDPOINT_URL: fake.endpoint,
      AWS_ACCESS_KEY_ID: main.accessKeyId,
      AWS_SECRET_ACCESS_KEY: main.secretAccessKey,
      AWS_CONFIG_FILE: path.join(tmp.dir, 'aws/config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(tmp.dir, 'aws/credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      DOCKER_CONFIG: dockerConfig,
      KUBECONFIG: path.join(tmp.dir, 'no-kubeconfig'),
      NO_PROXY: '127.0.0.1,localhost',
    },
    async stop() {
      await registry.stop();
      await fake.stop();
      await kube.close();
      tmp.cleanup();
    },
  };
}
