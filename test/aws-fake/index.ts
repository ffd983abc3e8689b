// A fake of the AWS control plane (STS, ECR, EKS, SSM, CloudFormation) on 127.0.0.1 that verifies the SigV4
// signature of every request; see README.md beside it.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeCredential, principalOf, type Principal } from './auth.js';
import { listImages } from './ecrImages.js';
import { registryDomain } from './ecrRepository.js';
import { RegistryClient } from './registry.js';
import { awsListener } from './server.js';
import { newBucket, type FakeBucket } from './s3Bucket.js';
import { type FakeCall, type FakeRepository, type FakeState, nowMs } from './state.js';

export { eksAuthenticator, type EksAuthenticator, type EksIdentity } from './eksAuthenticator.js';
export type { FakeBucket, FakeCall, FakeCredential, FakeRepository, Principal };

// What the fake account holds at start.
export interface AwsFakeOptions {
  /** Default 123456789012. */
  accountId?: string;
  /** Default us-east-1. */
  region?: string;
  credentials: FakeCredential[];
  clusters?: Record<string, { endpoint: string; caData: string }>;
  /** host:port of a real registry (htpasswd user `AWS`) the ECR repositories live on. */
  registryHost?: string;
  /** The password GetAuthorizationToken hands out (the registry's); random when omitted. */
  registryPassword?: string;
  /** Moves the fake's clock, as if the client's clock were off by minus this. */
  clockOffsetMs?: number;
  /** SSM parameters (a string is a String parameter). */
  parameters?: Record<string, string | { value: string; type: 'String' | 'SecureString' }>;
  /** CloudFormation stacks and their outputs (`exportName` makes an output an export). */
  stacks?: Record<string, { key: string; value: string; exportName?: string }[]>;
  /** S3 buckets (name -> versioning on or off). */
  buckets?: Record<string, { versioning?: boolean }>;
}

// A running fake and what a test reads and steers on it.
export interface AwsFake {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL (and _ECR, _EKS, _STS). */
  endpoint: string;
  accountId: string;
  region: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com`. */
  registryDomain: string;
  registryPassword: string;
  /** Every request, in arrival order, with its outcome. */
  calls: FakeCall[];
  /** The repositories by name (live objects). */
  repositories(): Map<string, FakeRepository>;
  /** Re-reads every repository's tags from the real registry into `repositories()`. */
  syncImages(): Promise<void>;
  /** Answers the next `times` (default: every) calls of `op` with the AWS error `code`. */
  fail(op: string, code: string, times?: number): void;
  /** Forgets injected failures. */
  clearFailures(): void;
  addCluster(name: string, c: { endpoint: string; caData: string }): void;
  /** Moves the fake's clock (skew between client and AWS). */
  setClockOffset(ms: number): void;
  /** The fake's clock, in ms since the epoch. */
  now(): number;
  /** The principal GetCallerIdentity reports for an access key. */
  principal(accessKeyId: string): Principal | undefined;
  /** The S3 buckets by name (live objects: keys, versions, bodies). */
  buckets(): Map<string, FakeBucket>;
  /** Creates an S3 bucket. */
  addBucket(name: string, opts?: { versioning?: boolean }): void;
  stop(): Promise<void>;
}

// Starts the fake on a random port of 127.0.0.1.
export async function startAwsFake(opts: AwsFakeOptions): Promise<AwsFake> {
  const registryPassword = opts.registryPassword ?? randomBytes(18).toString('base64url');
  const state: FakeState = {
    accountId: opts.accountId ?? '123456789012',
    region: opts.region ?? 'us-east-1',
    credentials: opts.credentials,
    repositories: new Map(),
    clusters: new Map(),
    parameters: new Map(
      Object.entries(opts.parameters ?? {}).map(([k, v]) => [
        k,
        { ...(typeof v === 'string' ? { value: v, type: 'String' as const } : v), version: 1 },
      ]),
    ),
    stacks: new Map(Object.entries(opts.stacks ?? {}).map(([k, outputs]) => [k, { outputs }])),
    buckets: new Map(Object.entries(opts.buckets ?? {}).map(([name, b]) => [name, newBucket(name, b.versioning)])),
    registry: opts.registryHost ? new RegistryClient(opts.registryHost, 'AWS', registryPassword) : undefined,
    registryPassword,
    calls: [],
    failures: [],
    clockOffsetMs: opts.clockOffsetMs ?? 0,
  };
  const addCluster = (name: string, c: { endpoint: string; caData: string }) =>
    state.clusters.set(name, { ...c, createdAt: Date.now() / 1000 });
  for (const [name, c] of Object.entries(opts.clusters ?? {})) addCluster(name, c);

  const server = createServer(awsListener(state));
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accountId: state.accountId,
    region: state.region,
    registryDomain: registryDomain(state),
    registryPassword,
    calls: state.calls,
    repositories: () => state.repositories,
    async syncImages() {
      for (const repo of state.repositories.values()) await listImages(state, repo);
    },
    fail(op, code, times) {
      state.failures.push({ op, code, times });
    },
    clearFailures() {
      state.failures.length = 0;
    },
    addCluster,
    setClockOffset(ms) {
      state.clockOffsetMs = ms;
    },
    now: () => nowMs(state),
    principal(accessKeyId) {
      const cred = state.credentials.find((c) => c.accessKeyId === accessKeyId);
      return cred && principalOf(cred, state.accountId);
    },
    buckets: () => state.buckets,
    addBucket(name, o) {
      state.buckets.set(name, newBucket(name, o?.versioning));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
