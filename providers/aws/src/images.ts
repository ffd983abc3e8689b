// Where the images of aws services live, known without asking AWS (for render and plan):
// a local build goes to the ECR repository `<repository>` of the account's registry; a
// service with an ECR `registry` of its own is pushed there by this provider.
import type { DeployParams, RegistryConfig, ServiceConfig } from '@pctl/core';
import type { ClusterImage } from '@pctl/kube';
import { isEcrHost, regionOption, type AwsOptions } from './options.js';

// `pctl-<stack>-<service>:<tag>`, an image pctl built into the local engine.
export const isLocalBuild = (ref: string): boolean => /^pctl-[a-z0-9][-a-z0-9_.]*:[\w.-]+$/.test(ref);

const registryUrl = (r: RegistryConfig | undefined) => (typeof r === 'string' ? r : r?.url);

/** True when the service's own registry is ECR (the provider logs in with the SDK and pushes). */
export const hasEcrRegistry = (service: ServiceConfig | undefined): boolean =>
  Boolean(service?.registry && isEcrHost(registryUrl(service.registry) ?? ''));

/** The registry host render and plan show before the account is known (AWS's own placeholder). */
export const placeholderHost = (o: AwsOptions): string =>
  o.registryHost ?? `aws_account_id.dkr.ecr.${regionOption(o) ?? 'region'}.amazonaws.com`;

/** The ECR repository a local build goes to: the `repository` option, else `<stack>-<service>`. */
export function repositoryOf(o: AwsOptions, localRef: string): string {
  return o.repository ?? localRef.slice(0, localRef.lastIndexOf(':')).replace(/^pctl-/, '');
}

/** Splits `host/repo/path:tag`. */
export function splitRef(ref: string): { host: string; repository: string; tag: string } {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  return { host: ref.slice(0, slash), repository: ref.slice(slash + 1, colon), tag: ref.slice(colon + 1) };
}

/** URIs of the ECR repositories this process created (the state entry records them, so destroy may delete them). */
export const createdRepositories = new Set<string>();

// Registry hosts learnt at deploy (the repository's URI), so raw manifests' pctl:// get them too.
const located = new Map<string, string>();
export const rememberRepository = (o: AwsOptions, repository: string, uri: string): void =>
  void located.set(`${regionOption(o) ?? ''}/${repository}`, uri);

/** A local build's reference in ECR: the repository URI once known, else the placeholder host. */
export function ecrRef(o: AwsOptions, localRef: string): string {
  const repository = repositoryOf(o, localRef);
  const uri = located.get(`${regionOption(o) ?? ''}/${repository}`) ?? `${placeholderHost(o)}/${repository}`;
  return `${uri}:${localRef.slice(localRef.lastIndexOf(':') + 1)}`;
}

/** The image the cluster runs; `local` when this provider brings it to ECR. */
export function imageFor(p: DeployParams, o: AwsOptions): ClusterImage {
  const { target } = p;
  const ref = target.image.ref;
  if (!ref) return { ref };
  if (target.image.builtByPctl && hasEcrRegistry(target.service)) return { ref, local: ref };
  if (
    !target.service.registry &&
    (target.image.builtByPctl || target.service.image?.startsWith('pctl://')) &&
    isLocalBuild(ref)
  )
    return { ref: ecrRef(o, ref), local: ref };
  return { ref };
}
