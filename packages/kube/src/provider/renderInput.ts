// What every Kubernetes provider hands render and the deployer for one service: the same
// input on kind, gcp and aws, differing only in the image the cluster runs.
import type { DeployParams, ProviderContext } from '@pctl/core';
import { loadManifests } from '../manifests.js';
import type { KubeServiceOptions, RenderInput } from '../types.js';
import type { KubeCloud } from '../storage.js';

/** Options a Kubernetes provider takes: the shared ones, with its own kinds of `storage` (render reads them). */
export type KubeProviderOptions = Omit<KubeServiceOptions, 'storage'> & { storage?: unknown };

/** The image a cluster runs; `local` is the local build the provider brings there itself. */
export interface ClusterImage {
  ref: string;
  local?: string;
}

/**
 * A prebuilt image from a registry with credentials gets a pull Secret; an image the
 * provider delivers itself (`local`) needs none. `pctl render` shows the password redacted.
 */
export function pullSecretFor(p: DeployParams, image: ClusterImage, redact: boolean): RenderInput['pullSecret'] {
  const reg = p.target.service.registry;
  if (image.local || !reg || typeof reg !== 'object' || !reg.username || !reg.password) return undefined;
  const server = reg.url.replace(/^[a-z]+:\/\//, '').split('/')[0]!;
  return { server, username: reg.username, password: redact ? '<redacted>' : reg.password };
}

/** Render input of one service; `clusterRef` maps local builds that raw manifests take (pctl://) to what the cluster pulls. */
export function renderInputFor<O extends KubeProviderOptions>(args: {
  ctx: ProviderContext;
  p: DeployParams;
  o: O;
  namespace: string;
  image: ClusterImage;
  clusterRef?: (ref: string) => string;
  redact?: boolean;
  cloud?: KubeCloud;
}): RenderInput {
  const { ctx, p, o, image } = args;
  const svc = p.target.service;
  const refs = p.target.imageRefs;
  const map = args.clusterRef;
  return {
    pullSecret: pullSecretFor(p, image, args.redact ?? false),
    stack: ctx.stack,
    service: p.target.name,
    config: svc,
    image: image.ref,
    namespace: args.namespace,
    options: o as KubeServiceOptions,
    fingerprint: p.target.fingerprint,
    manifests: svc.manifests?.length ? loadManifests(svc.manifests, ctx.configDir) : undefined,
    // Only raw manifests read it: mapping every service's image per service made render quadratic.
    images:
      refs && map && svc.manifests?.length
        ? Object.fromEntries(Object.entries(refs).map(([k, v]) => [k, map(v)]))
        : refs,
    secrets: ctx.secrets,
    redact: args.redact ?? false,
    ...(args.cloud ? { cloud: args.cloud } : {}),
  };
}
