// The aws provider's options: the original pctl's (cluster, namespace, credentials,
// strategy, serviceAccount, rbac, storage) unchanged, the shared Kubernetes ones, and
// region / repository; `storage` is the shared one: `{size}` (EBS gp3) or `{name: efs, id}`.
// Zod only: loading this file loads nothing of the AWS SDK.
import { z } from 'zod';
import { resourceName } from '@pctl/core';
import { KubeServiceOptionsSchema, parseProviderOptions } from '@pctl/kube';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -')
  .max(63);
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1');

/** The original's credentials, every key optional: what is left out comes from the SDK's chain. Their values are secrets. */
export const AwsCredentialsSchema = z.strictObject({
  region: region.optional(),
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
  session_token: z.string().min(1).optional(),
});

export const AwsOptionsSchema = KubeServiceOptionsSchema.extend({
  /** EKS cluster name. */
  cluster: z
    .string()
    .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, 'must be an EKS cluster name (letters, digits, - and _)')
    .max(100),
  namespace: dnsLabel,
  credentials: AwsCredentialsSchema.optional(),
  /** Region of the cluster and the ECR registry (default: credentials.region, AWS_REGION, the profile's). */
  region: region.optional(),
  /** ECR repository built images are pushed to (default `<stack>-<service>`). */
  repository: z
    .string()
    .regex(
      /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
      'must be an ECR repository name (lowercase letters, digits, . _ - and /)',
    )
    .max(256)
    .optional(),
  /** Replaces `<account>.dkr.ecr.<region>.amazonaws.com` as the host images are pushed to and pulled from (a pull-through mirror, tests); host[:port]. */
  registryHost: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/, 'must be host or host:port, without a scheme')
    .optional(),
  /** A context of the user's kubeconfig to use instead of asking EKS for the cluster. */
  context: z.string().optional(),
}).strict();
export type AwsOptions = z.output<typeof AwsOptionsSchema>;

export const parseOptions = (raw: Record<string, unknown> | undefined): AwsOptions =>
  parseProviderOptions(AwsOptionsSchema, raw);

/** The region the options name, if any (else the SDK's chain decides: AWS_REGION, the profile). */
export const regionOption = (o: Pick<AwsOptions, 'region' | 'credentials'>): string | undefined =>
  o.region ?? o.credentials?.region;

/** The ECR repository of a service's builds. */
export const repositoryFor = (o: AwsOptions, stack: string, service: string): string =>
  o.repository ?? resourceName(stack, service);

/** An ECR registry host: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]`. */
export const isEcrHost = (url: string): boolean => /\.dkr\.ecr\./.test(url);
