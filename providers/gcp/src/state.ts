// What a gcp state entry keeps beyond the shared Kubernetes fields: where the cluster is, and
// the Artifact Registry image pctl pushed (so destroy deletes only that).
import type { DeployParams } from '@pctl/core';
import type { ClusterImage, KubeEntry, KubeStateExtras } from '@pctl/kube';
import type { GcpOptions } from './options.js';

export interface GcpStateExtras extends KubeStateExtras {
  gcp: {
    project: string;
    location: string;
    gkeCluster: string;
    context?: string;
    endpoint?: string;
    registryHost?: string;
  };
  /** The Artifact Registry image the Deployment runs (images pctl built). */
  artifactImage?: string;
  /** Whether pctl pushed artifactImage (destroy deletes the tag only then). */
  artifactPushedByPctl?: boolean;
}

export type GcpWhere = GcpStateExtras['gcp'];

/** The entry's gcp fields after a deploy; `pushedNow` says whether this run pushed the image. */
export function gcpStateExtras(
  p: DeployParams,
  o: GcpOptions,
  image: ClusterImage,
  pushedNow: boolean,
  prev: KubeEntry,
): Omit<GcpStateExtras, keyof KubeStateExtras> {
  const before = prev as Partial<GcpStateExtras>;
  const samePrevious = before.artifactImage === image.ref && !p.previous?.destroyed;
  return {
    gcp: {
      project: o.project,
      location: o.zone,
      gkeCluster: o.cluster,
      ...(o.context ? { context: o.context } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.registryHost ? { registryHost: o.registryHost } : {}),
    },
    ...(image.local
      ? {
          artifactImage: image.ref,
          artifactPushedByPctl: pushedNow || (samePrevious && Boolean(before.artifactPushedByPctl)),
        }
      : {}),
  };
}
