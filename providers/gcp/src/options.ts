// The gcp provider's options: the shared Kubernetes ones plus where the cluster and the
// Artifact Registry repository are. Zod only: loading this file loads no Google code.
import { z } from 'zod';
import { KubeServiceOptionsSchema, parseProviderOptions } from '@pctl/kube';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -')
  .max(63);

export const GcpOptionsSchema = KubeServiceOptionsSchema.extend({
  /** Google Cloud project id. */
  project: z
    .string()
    .regex(
      /^[a-z][-a-z0-9]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
      'must be a Google Cloud project id (6-30 lowercase letters, digits, -)',
    ),
  /** The cluster's location: a zone (europe-west1-b) or, for a regional cluster, a region (europe-west1). */
  zone: z
    .string()
    .regex(/^[a-z]+-[a-z]+\d+(-[a-z])?$/, 'must be a zone such as europe-west1-b or a region such as europe-west1'),
  /** GKE cluster name. */
  cluster: dnsLabel.max(40),
  namespace: dnsLabel,
  /** Artifact Registry Docker repository built images are pushed to (default `pctl`). */
  repository: z
    .string()
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be an Artifact Registry repository id')
    .default('pctl'),
  /** Artifact Registry location (default: the region of `zone`). */
  registryLocation: z
    .string()
    .regex(/^[a-z]+(-[a-z]+\d+)?$/, 'must be a region such as europe-west1 or a multi-region such as europe')
    .optional(),
  /** Replaces `<registryLocation>-docker.pkg.dev` (tests, private mirrors); host[:port], no scheme. */
  registryHost: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/, 'must be host or host:port, without a scheme')
    .optional(),
  /** GKE API base URL (default https://container.googleapis.com/, or CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER). */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** A context of the user's kubeconfig to use instead of asking GKE for the cluster. */
  context: z.string().optional(),
}).strict();
export type GcpOptions = z.output<typeof GcpOptionsSchema>;

export const parseOptions = (raw: Record<string, unknown> | undefined): GcpOptions =>
  parseProviderOptions(GcpOptionsSchema, raw);

/** europe-west1-b → europe-west1; a region stays as it is. */
export function regionOf(location: string): string {
  return /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(location)?.[1] ?? location;
}

export function registryHostFor(o: GcpOptions): string {
  return o.registryHost ?? `${o.registryLocation ?? regionOf(o.zone)}-docker.pkg.dev`;
}

/** The GKE API base, ending in `/`: the option, else gcloud's override variable, else Google's. */
export function containerEndpoint(o: Pick<GcpOptions, 'endpoint'>): string {
  const base =
    o.endpoint ?? process.env.CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER ?? 'https://container.googleapis.com/';
  return base.endsWith('/') ? base : `${base}/`;
}
