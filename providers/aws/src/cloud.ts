// The aws provider's steps that talk to AWS (loaded only when a service is deployed,
// destroyed or inspected): locate and push images in ECR, reach the EKS cluster a state
// entry records, and remove what pctl pushed and created.
import {
  Events,
  builtForStack,
  PctlError,
  removeImage,
  tagImage,
  type ProviderContext,
  type RegistryCredentials,
} from '@pctl/core';
import type { ClusterImage, KubeClient, KubeEntry } from '@pctl/kube';
import {
  deleteRepositoryIfEmpty,
  deleteTag,
  dockerLogin,
  ensureRepository,
  hasTag,
  REGISTRY_USER,
  registryPassword,
} from './ecr.js';
import { eksClient, type EksWhere } from './eks.js';
import { accountOf, awsSdk } from './sdk.js';
import { createdRepositories, rememberRepository, repositoryOf, splitRef } from './images.js';
import { isEcrHost, type AwsOptions } from './options.js';
import type { AwsStateExtras } from './state.js';

const ecrRegion = (host: string) => /\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1];

/** A local build's final ECR reference: the account's repository, created when missing. */
export async function locate(
  ctx: ProviderContext,
  o: AwsOptions,
  image: Required<ClusterImage>,
): Promise<Required<ClusterImage>> {
  // A service's own ECR registry: the reference is the one the core gave it.
  if (image.ref === image.local) return image;
  const sdk = await awsSdk(ctx, o);
  await accountOf(sdk);
  const repository = repositoryOf(o, image.local);
  const repo = await ensureRepository(sdk, repository, ctx.stack);
  // registryHost stands in for the account's registry domain (a mirror, or the tests' registry).
  const uri = o.registryHost ? `${o.registryHost}/${repository}` : repo.uri;
  if (repo.created) {
    createdRepositories.add(uri);
    ctx.reporter.info(`created the ECR repository ${repository}`, undefined, Events.EcrRepositoryCreated);
  }
  rememberRepository(o, repository, uri);
  return { ref: `${uri}:${image.local.slice(image.local.lastIndexOf(':') + 1)}`, local: image.local };
}

const pushes = new Map<string, Promise<boolean>>();

/** Pushes the image to ECR unless the tag is there; true when pushed now. */
export function deliver(
  ctx: ProviderContext,
  o: AwsOptions,
  image: Required<ClusterImage>,
  key: string,
): Promise<boolean> {
  let p = pushes.get(image.ref);
  if (!p) {
    p = (async () => {
      const { host, repository, tag } = splitRef(image.ref);
      const sdk = await awsSdk(ctx, { ...o, region: ecrRegion(host) ?? o.region });
      if (await hasTag(sdk, repository, tag)) {
        ctx.reporter.info(`${image.ref} is already in ECR, not pushing`, key, Events.PushSkipped);
        return false;
      }
      await dockerLogin(ctx, sdk, host);
      if (image.ref !== image.local) {
        await tagImage(ctx, image.local, image.ref);
      }
      ctx.reporter.info(`pushing ${image.ref}`, key, Events.PushStarted);
      const pushed = await ctx.exec('docker', ['push', '--', image.ref], { reject: false, signal: ctx.signal });
      if (pushed.exitCode !== 0) {
        throw new PctlError({
          code: 'PushFailed',
          message: `pushing ${image.ref}: ${(pushed.stderr || pushed.stdout).split('\n').filter(Boolean).at(-1) ?? `exit ${pushed.exitCode}`}`,
          fault: 'environment',
          exitCode: 1,
          hint: `the IAM principal needs ecr:InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, PutImage and BatchCheckLayerAvailability on ${repository} (docs/using/aws.md)`,
        });
      }
      return true;
    })();
    pushes.set(image.ref, p);
    p.catch(() => pushes.delete(image.ref));
  }
  return p;
}

/** ECR's credentials for reading images at `host` (the account's registry, or `registryHost` standing in for it); none for another registry. */
export async function pullAuth(
  ctx: ProviderContext,
  o: AwsOptions,
  host: string,
): Promise<RegistryCredentials | undefined> {
  if (!isEcrHost(host) && host !== o.registryHost) return undefined;
  const sdk = await awsSdk(ctx, { ...o, region: ecrRegion(host) ?? o.region });
  return { username: REGISTRY_USER, password: (await registryPassword(sdk, host)).password };
}

/** Where a state entry's cluster is: the stack file's options, else what the entry recorded. */
export function whereOf(entry: KubeEntry, o: AwsOptions | undefined): EksWhere {
  if (o) return o;
  const rec = (entry as Partial<AwsStateExtras>).aws;
  if (rec) return { cluster: rec.eksCluster, region: rec.region, context: rec.context };
  // An entry the original pctl wrote: `cluster` is the EKS name (or an ARN), the region AWS_REGION's.
  const arn = /^arn:aws[a-z-]*:eks:([a-z0-9-]+):\d+:cluster\/(.+)$/.exec(entry.cluster ?? '');
  if (arn) return { cluster: arn[2]!, region: arn[1] };
  if (entry.cluster) return { cluster: entry.cluster };
  throw new PctlError({
    code: 'StateIncomplete',
    message: 'the state entry does not say which EKS cluster it is in',
    fault: 'tool',
    exitCode: 1,
    hint: 'put the service back in the stack file with its aws options, then destroy',
  });
}

/** The client for the cluster a state entry records; undefined when the cluster no longer exists. */
export async function connectRecorded(
  ctx: ProviderContext,
  key: string,
  entry: KubeEntry,
  o: AwsOptions | undefined,
): Promise<KubeClient | undefined> {
  const where = whereOf(entry, o);
  try {
    return await eksClient(ctx, where);
  } catch (e) {
    if (e instanceof PctlError && e.code === 'AwsNotFound' && /DescribeCluster/.test(e.message)) {
      ctx.reporter.info(`EKS cluster ${where.cluster} is gone, and its objects with it`, key);
      return undefined;
    }
    throw e;
  }
}

/** Destroy: the tag pctl pushed (only with the service whose build it is), then the repository pctl created when it is empty. */
export async function removeImages(
  ctx: ProviderContext,
  key: string,
  e: KubeEntry,
  o: AwsOptions | undefined,
): Promise<void> {
  const entry = e as Partial<AwsStateExtras> & { image?: string };
  const ecr = entry.ecr;
  if (!ecr?.image) return;
  const { host, repository, tag } = splitRef(ecr.image);
  const region = ecrRegion(host) ?? entry.aws?.region;
  const sdk = await awsSdk(ctx, { region, credentials: o?.credentials });
  const ownBuild = typeof entry.image === 'string' && entry.image.startsWith(`pctl-${key}:`);
  const tags = ownBuild ? (ecr.pushedTags ?? (ecr.pushedByPctl ? [tag] : [])) : [];
  for (const t of tags) {
    if (await deleteTag(sdk, repository, t))
      ctx.reporter.info(`deleted ${host}/${repository}:${t} from ECR`, key, Events.ImageDeleted);
  }
  if (ownBuild && ecr.repositoryCreated) {
    const r = await deleteRepositoryIfEmpty(sdk, repository);
    if (r === 'deleted')
      ctx.reporter.info(
        `deleted the ECR repository ${repository} (pctl created it; it is empty)`,
        key,
        Events.EcrRepositoryDeleted,
      );
    else if (r === 'kept')
      ctx.reporter.info(`the ECR repository ${repository} still holds images pctl did not push: it stays`, key);
  }
  // The local ECR tag pctl made: only on an image its labels say pctl built for the stack.
  if (ecr.image !== entry.image && (await builtForStack(ctx, ecr.image, ctx.stack))) await removeImage(ctx, ecr.image);
}
