// What an aws state entry keeps beyond the shared Kubernetes fields: the original pctl's
// `registryUrl`, where the cluster is, and what pctl put in ECR (so destroy removes only that).
import type { DeployParams } from '@pctl/core';
import type { ClusterImage, KubeEntry, KubeStateExtras } from '@pctl/kube';
import { regionOption, type AwsOptions } from './options.js';
import { splitRef } from './images.js';

export interface AwsStateExtras extends KubeStateExtras {
  /** The repository the image is pulled from (the original pctl's field). */
  registryUrl?: string;
  aws: { region?: string; eksCluster: string; context?: string };
  ecr?: {
    /** The ECR reference the Deployment runs. */
    image: string;
    /** Whether pctl pushed it. */
    pushedByPctl: boolean;
    /** Every tag of the repository pctl pushed for this service (destroy deletes these, nothing else). */
    pushedTags: string[];
    /** Whether pctl created the repository (destroy deletes it only then, and only when empty). */
    repositoryCreated: boolean;
  };
}

/** The entry's aws fields after a deploy; `created` says whether this run made the repository. */
export function awsStateExtras(
  p: DeployParams,
  o: AwsOptions,
  image: ClusterImage,
  pushedNow: boolean,
  prevEntry: KubeEntry,
  created: (repository: string) => boolean,
): Omit<AwsStateExtras, keyof KubeStateExtras> {
  const prev = (p.previous?.destroyed ? {} : prevEntry) as Partial<AwsStateExtras>;
  const before = prevEntry as Partial<AwsStateExtras>;
  const out: Omit<AwsStateExtras, keyof KubeStateExtras> = {
    aws: {
      ...(regionOption(o) ? { region: regionOption(o) } : {}),
      eksCluster: o.cluster,
      ...(o.context ? { context: o.context } : {}),
    },
  };
  if (!image.local) {
    const url =
      typeof p.target.service.registry === 'string' ? p.target.service.registry : p.target.service.registry?.url;
    if (url) out.registryUrl = url;
    return out;
  }
  const { host, repository, tag } = splitRef(image.ref);
  const samePrevious = prev.ecr?.image === image.ref;
  out.registryUrl = `${host}/${repository}`;
  const pushedByPctl = pushedNow || (samePrevious && Boolean(prev.ecr?.pushedByPctl));
  // Tags pushed by earlier deploys stay listed until destroy deletes them (a destroyed entry's are gone).
  const earlier = prev.registryUrl === out.registryUrl ? (prev.ecr?.pushedTags ?? []) : [];
  out.ecr = {
    image: image.ref,
    pushedByPctl,
    pushedTags: [...new Set([...earlier, ...(pushedByPctl ? [tag] : [])])],
    // Sticky: a repository pctl made stays pctl's across redeploys (and a destroy that kept it).
    repositoryCreated:
      created(out.registryUrl) || (before.registryUrl === out.registryUrl && Boolean(before.ecr?.repositoryCreated)),
  };
  return out;
}
