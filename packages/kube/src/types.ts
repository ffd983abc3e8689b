// The shared Kubernetes deployer's vocabulary, used by the kind, aws and gcp providers.
import { z } from 'zod';
import type { ServiceConfig } from '@pctl/core';
import type { KubeObject } from './kubeObject.js';
import { KubeStorageSchema, storageCloudIssue, type KubeCloud, type KubeStorage } from './storage.js';

export type { KubeObject } from './kubeObject.js';

const rbacRule = z.strictObject({
  apiGroups: z.array(z.string()).default(['']),
  resources: z.array(z.string()).min(1),
  verbs: z.array(z.string()).min(1),
  resourceNames: z.array(z.string()).optional(),
});

const dnsName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -')
  .max(63);

/** Provider options every Kubernetes-backed provider understands (kind, aws, gcp add their own). */
export const KubeServiceOptionsSchema = z.object({
  namespace: dnsName.optional(),
  strategy: z.enum(['RollingUpdate', 'Recreate']).optional(),
  serviceAccount: dnsName.optional(),
  rbac: z.array(rbacRule).optional(),
  /** `{size, storageClass?, nfs?}`, `{name: efs, id, size?}` or `{name: filestore, id, ip, share?, size?}` (storage.ts). */
  storage: KubeStorageSchema.optional(),
  /** Kubernetes Service type for services with ports. */
  serviceType: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).optional(),
  /** Seconds to wait for the rollout before the deploy fails. */
  rolloutTimeout: z.number().int().positive().optional(),
});
export type KubeServiceOptions = z.output<typeof KubeServiceOptionsSchema>;

export interface PullSecret {
  /** Registry host, e.g. 127.0.0.1:5000 or ghcr.io. */
  server: string;
  username: string;
  password: string;
}

export interface RenderInput {
  stack: string;
  service: string;
  config: ServiceConfig;
  /** The final image reference (built tag, or the configured image). */
  image: string;
  /** The namespace objects go to (options.namespace, else the provider's default). */
  namespace: string;
  options: KubeServiceOptions;
  /** pctl's fingerprint of the service, put in the `pctl/fingerprint` annotation. */
  fingerprint: string;
  pullSecret?: PullSecret;
  /** Raw manifests already loaded and parsed (see manifests.ts), to label and include. */
  manifests?: KubeObject[];
  /** Maps pctl://name references to built image tags (for raw manifests). */
  images?: Record<string, string>;
  /**
   * Resolved secret values (`ctx.secrets`): an env value holding one goes into the Secret
   * `<stack>-<service>-env` instead of the Deployment.
   */
  secrets?: readonly string[];
  /** Rendering for people to read (`pctl render`): the env Secret's data is left out. */
  redact?: boolean;
  /**
   * The cloud the provider deploys to: `aws` gives `storage: {size}` an EBS gp3 class and
   * allows `{name: efs}`; `gcp` allows `{name: filestore}`. Unset (kind): neither cloud's.
   */
  cloud?: KubeCloud;
  /**
   * The name of the service's existing claim (and volume) to keep using instead of
   * `<stack>-<service>`: set by the deployer for a claim an earlier pctl made, so its data stays.
   */
  storageName?: string;
}

/** What the deploy recorded about a service, beyond the core's state fields. */
export interface KubeStateExtras {
  cluster: string;
  namespace: string;
  hasHpa: boolean;
  hasRbac: boolean;
  hasPvc: boolean;
  hasPv: boolean;
  hasPullSecret: boolean;
  /** Whether pctl created the namespace (destroy removes it only then). */
  createdNamespace: boolean;
  /** kind/name (namespace) of every object applied, for pruning and destroy. */
  objects: string[];
  /** The objects applied (Secret data left out): core keeps them in the state's release record, not in the entry. */
  applied?: KubeObject[];
  /** How the objects are named: 2 is `<stack>-<service>`; earlier entries have none (`<service>`). */
  objectNames?: number;
  /** Shared StorageClasses the service's storage uses (`efs-sc`, `gp3`): released on destroy. */
  storageClasses?: string[];
}

/**
 * `validateOptions` of a provider whose options are a zod schema: every issue with its
 * path, and storage of another cloud (`efs` needs `cloud: 'aws'`, `filestore` `'gcp'`).
 */
export function optionIssues(
  schema: z.ZodType,
  raw: Record<string, unknown> | undefined,
  cloud?: KubeCloud,
): { path: (string | number)[]; message: string }[] {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    // An unknown option is reported at its own path (zod puts it on the parent object).
    return r.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ path: [...(i.path as (string | number)[]), k], message: `unknown option "${k}"` }))
        : [{ path: i.path as (string | number)[], message: i.message }],
    );
  }
  const issue = storageCloudIssue((r.data as { storage?: KubeStorage }).storage, cloud);
  return issue ? [{ path: ['storage', 'name'], message: issue }] : [];
}
