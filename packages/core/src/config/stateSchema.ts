// The stack file's `state:` block: where the stack's state and lock live. Strict like the
// rest of the file (an unknown field is a typo, reported with its line). Zod only.
import { z } from 'zod';

const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1');
// S3's rules for a general purpose bucket name (3-63: lowercase letters, digits, '.', '-').
export const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const LocalStateSchema = z.strictObject({
  backend: z.literal('local'),
  /** The state file (default `pctl.<stack>.json` in the working folder), relative to the working folder. */
  path: z
    .string()
    .min(1)
    .optional()
    .describe('the state file, relative to the working folder (default pctl.<stack>.json)'),
});

export const S3StateSchema = z.strictObject({
  backend: z.literal('s3'),
  bucket: z.string().regex(S3_BUCKET, 'must be an S3 bucket name: 3-63 lowercase letters, digits, . and -'),
  /** The state object's key (default `pctl.<stack>.json`); its lock is `<key>.lock`. */
  key: z
    .string()
    .min(1)
    .max(1000)
    .refine((k) => !k.startsWith('/') && !k.endsWith('/'), 'must be an object key, not starting or ending with /')
    .optional()
    .describe('the state object key (default pctl.<stack>.json); the lock is <key>.lock'),
  region: region.optional().describe("as for the aws provider (default AWS_REGION or the profile's)"),
  endpoint: z
    .string()
    .url('must be a URL such as https://s3.example.com')
    .optional()
    .describe('an S3-compatible store (default: AWS, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)'),
  usePathStyle: z.boolean().optional().describe('address the bucket in the path, not the host name'),
});

// Cloud Storage's rules for a bucket name without dots (3-63: lowercase letters, digits, '-', '_').
export const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export const GcsStateSchema = z.strictObject({
  backend: z.literal('gcs'),
  bucket: z
    .string()
    .regex(GCS_BUCKET, 'must be a Cloud Storage bucket name: 3-63 lowercase letters, digits, -, _ and .'),
  /** The state object's name (default `pctl.<stack>.json`); its lock is `<object>.lock`. */
  object: z
    .string()
    .min(1)
    .max(1024)
    .refine(
      (k) => !k.startsWith('/') && !k.endsWith('/') && !/[\r\n]/.test(k),
      'must be an object name, not starting or ending with /',
    )
    .optional()
    .describe('the state object name (default pctl.<stack>.json); the lock is <object>.lock'),
  endpoint: z
    .string()
    .url('must be a URL such as https://storage.example.com')
    .optional()
    .describe('another Cloud Storage endpoint (default: Google, https://storage.googleapis.com)'),
});

// A namespace name (RFC 1123 label), as the API server checks it.
export const KUBE_NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const KubernetesStateSchema = z.strictObject({
  backend: z.literal('kubernetes'),
  /** The kubeconfig context (default: the current one); the kubeconfig is KUBECONFIG or ~/.kube/config. */
  context: z
    .string()
    .min(1)
    .max(253)
    .optional()
    .describe('the kubeconfig context (default: the current one of KUBECONFIG or ~/.kube/config)'),
  namespace: z
    .string()
    .max(63)
    .regex(KUBE_NAMESPACE, 'must be a namespace name: lowercase letters, digits and -, at most 63')
    .optional()
    .describe(
      "where the Secret pctl-state-<stack> and its Lease live (default: the context's namespace, else default)",
    ),
});

export const StateConfigSchema = z
  .discriminatedUnion('backend', [LocalStateSchema, S3StateSchema, GcsStateSchema, KubernetesStateSchema])
  .describe("where the stack's state and lock live (default: the local file)");

export type StateConfig = z.output<typeof StateConfigSchema>;
export type S3StateConfig = z.output<typeof S3StateSchema>;
export type GcsStateConfig = z.output<typeof GcsStateSchema>;
export type KubernetesStateConfig = z.output<typeof KubernetesStateSchema>;
