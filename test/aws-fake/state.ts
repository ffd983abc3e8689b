// What the fake AWS account holds: credentials, ECR repositories, EKS clusters, SSM
// parameters, CloudFormation stacks, the calls
// made and the failures a test asked for.
import type { FakeCredential } from './auth.js';
import type { RegistryClient } from './registry.js';
import type { FakeBucket } from './s3Bucket.js';

// One ECR repository. `images` are its tags (kept in step with the real registry when
// there is one; `AwsFake.syncImages()` re-reads it).
export interface FakeRepository {
  name: string;
  createdAt: number;
  tags: Record<string, string>;
  images: Set<string>;
  scanOnPush: boolean;
  imageTagMutability: string;
  /** First time the fake saw each digest, for imagePushedAt. */
  pushedAt: Map<string, number>;
}

// One SSM parameter; a SecureString's value is given out only with WithDecryption.
export interface FakeParameter {
  value: string;
  type: 'String' | 'SecureString';
  version: number;
}

// One CloudFormation stack: its outputs, some exported.
export interface FakeStack {
  outputs: { key: string; value: string; exportName?: string }[];
}

// One EKS cluster.
export interface FakeCluster {
  endpoint: string;
  caData: string;
  createdAt: number;
}

// One request as the fake saw it.
export interface FakeCall {
  service: string;
  op: string;
  accessKeyId?: string;
  status?: number;
  error?: string;
  /** A presigned GET (an EKS token checked by the authenticator) rather than a signed call. */
  presigned?: boolean;
}

// An error a test asked for: the next `times` calls of `op` (all when omitted) fail with `code`.
export interface InjectedFailure {
  op: string;
  code: string;
  times?: number;
}

// Everything the fake holds; the server and the operations share it.
export interface FakeState {
  accountId: string;
  region: string;
  credentials: FakeCredential[];
  repositories: Map<string, FakeRepository>;
  clusters: Map<string, FakeCluster>;
  /** SSM parameters by name. */
  parameters: Map<string, FakeParameter>;
  /** CloudFormation stacks by name. */
  stacks: Map<string, FakeStack>;
  /** S3 buckets by name. */
  buckets: Map<string, FakeBucket>;
  registry?: RegistryClient;
  registryPassword: string;
  calls: FakeCall[];
  failures: InjectedFailure[];
  clockOffsetMs: number;
}

// The fake's clock: the machine's, moved by the offset a test set to simulate skew.
export function nowMs(state: FakeState): number {
  return Date.now() + state.clockOffsetMs;
}
