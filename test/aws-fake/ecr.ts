// ECR's JSON 1.1 operations on the fake account, with ECR's own errors and messages.
import { AwsError } from './errors.js';
import { deleteImage, type EcrImage, listImages, untagImage } from './ecrImages.js';
import {
  byArn,
  describeRepository,
  existing,
  type Input,
  registryDomain,
  repositoryName,
  tagList,
  tagsFrom,
} from './ecrRepository.js';
import type { FakeRepository, FakeState } from './state.js';
import { nowMs } from './state.js';

interface ImageId {
  imageTag?: string;
  imageDigest?: string;
}

function idText(id: ImageId): string {
  return `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;
}

function matchImage(images: EcrImage[], id: ImageId): EcrImage | undefined {
  return images.find(
    (i) =>
      (id.imageDigest === undefined || i.digest === id.imageDigest) &&
      (id.imageTag === undefined || i.tags.includes(id.imageTag)),
  );
}

function imageDetail(state: FakeState, repo: FakeRepository, i: EcrImage) {
  return {
    registryId: state.accountId,
    repositoryName: repo.name,
    imageDigest: i.digest,
    ...(i.tags.length > 0 ? { imageTags: [...i.tags].sort() } : {}),
    imageSizeInBytes: i.sizeInBytes,
    imagePushedAt: i.pushedAt,
    imageManifestMediaType: i.manifestMediaType,
    ...(i.artifactMediaType ? { artifactMediaType: i.artifactMediaType } : {}),
  };
}

function page<T>(items: T[], input: Input): { items: T[]; nextToken?: string } {
  const start =
    typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64').toString('utf8')) : 0;
  const max = typeof input.maxResults === 'number' ? input.maxResults : 1000;
  const end = start + max;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64') } : {}),
  };
}

const operations: Record<string, (state: FakeState, input: Input) => Promise<unknown>> = {
  async CreateRepository(state, input) {
    const name = repositoryName(input);
    if (state.repositories.has(name)) {
      throw new AwsError(
        'RepositoryAlreadyExistsException',
        400,
        `The repository with name '${name}' already exists in the registry with id '${state.accountId}'`,
      );
    }
    const scanning = input.imageScanningConfiguration as { scanOnPush?: boolean } | undefined;
    const repo: FakeRepository = {
      name,
      createdAt: nowMs(state) / 1000,
      tags: tagsFrom(input.tags),
      images: new Set(),
      scanOnPush: scanning?.scanOnPush === true,
      imageTagMutability: typeof input.imageTagMutability === 'string' ? input.imageTagMutability : 'MUTABLE',
      pushedAt: new Map(),
    };
    state.repositories.set(name, repo);
    return { repository: describeRepository(state, repo) };
  },

  async DescribeRepositories(state, input) {
    const names = input.repositoryNames as string[] | undefined;
    const repos =
      names === undefined
        ? [...state.repositories.values()].sort((a, b) => a.createdAt - b.createdAt)
        : names.map((n) => existing(state, { repositoryName: n }));
    const { items, nextToken } = page(repos, input);
    return { repositories: items.map((r) => describeRepository(state, r)), ...(nextToken ? { nextToken } : {}) };
  },

  async DeleteRepository(state, input) {
    const repo = existing(state, input);
    const images = await listImages(state, repo);
    if (images.length > 0 && input.force !== true) {
      throw new AwsError(
        'RepositoryNotEmptyException',
        400,
        `The repository with name '${repo.name}' in registry with id '${state.accountId}' cannot be deleted because it still contains images`,
      );
    }
    for (const image of images) await deleteImage(state, repo, image);
    state.repositories.delete(repo.name);
    return { repository: describeRepository(state, repo) };
  },

  async DescribeImages(state, input) {
    const repo = existing(state, input);
    const images = await listImages(state, repo);
    const ids = input.imageIds as ImageId[] | undefined;
    let found: EcrImage[];
    if (ids !== undefined && ids.length > 0) {
      found = [];
      for (const id of ids) {
        const image = matchImage(images, id);
        if (image === undefined) {
          throw new AwsError(
            'ImageNotFoundException',
            400,
            `The image with imageId ${idText(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${state.accountId}'`,
          );
        }
        if (!found.includes(image)) found.push(image);
      }
    } else {
      const status = (input.filter as { tagStatus?: string } | undefined)?.tagStatus ?? 'ANY';
      found = images.filter((i) => status === 'ANY' || (status === 'TAGGED') === i.tags.length > 0);
    }
    const { items, nextToken } = page(found, input);
    return { imageDetails: items.map((i) => imageDetail(state, repo, i)), ...(nextToken ? { nextToken } : {}) };
  },

  async ListImages(state, input) {
    const repo = existing(state, input);
    const status = (input.filter as { tagStatus?: string } | undefined)?.tagStatus ?? 'ANY';
    const ids = (await listImages(state, repo)).flatMap((i) =>
      i.tags.length === 0
        ? status === 'TAGGED'
          ? []
          : [{ imageDigest: i.digest }]
        : status === 'UNTAGGED'
          ? []
          : i.tags.map((imageTag) => ({ imageDigest: i.digest, imageTag })),
    );
    const { items, nextToken } = page(ids, input);
    return { imageIds: items, ...(nextToken ? { nextToken } : {}) };
  },

  async BatchDeleteImage(state, input) {
    const repo = existing(state, input);
    const images = await listImages(state, repo);
    const imageIds: ImageId[] = [];
    const failures: { imageId: ImageId; failureCode: string; failureReason: string }[] = [];
    for (const id of (input.imageIds as ImageId[] | undefined) ?? []) {
      const image = matchImage(images, id);
      if (image === undefined || (id.imageTag === undefined && id.imageDigest === undefined)) {
        const missingBoth = id.imageTag === undefined && id.imageDigest === undefined;
        failures.push({
          imageId: id,
          failureCode: missingBoth ? 'MissingDigestAndTag' : 'ImageNotFound',
          failureReason: missingBoth
            ? 'Invalid request parameters: both tag and digest cannot be null'
            : 'Requested image not found',
        });
        continue;
      }
      if (id.imageTag !== undefined) {
        await untagImage(state, repo, image, id.imageTag);
        imageIds.push({ imageDigest: image.digest, imageTag: id.imageTag });
      } else {
        const tags = [...image.tags];
        await deleteImage(state, repo, image);
        for (const t of tags.length > 0 ? tags : [undefined])
          imageIds.push({ imageDigest: image.digest, ...(t ? { imageTag: t } : {}) });
      }
    }
    return { imageIds, failures };
  },

  async GetAuthorizationToken(state) {
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${state.registryPassword}`).toString('base64'),
          expiresAt: nowMs(state) / 1000 + 12 * 3600,
          proxyEndpoint: `https://${registryDomain(state)}`,
        },
      ],
    };
  },

  async ListTagsForResource(state, input) {
    return { tags: tagList(byArn(state, input).tags) };
  },

  async TagResource(state, input) {
    const repo = byArn(state, input);
    const merged = { ...repo.tags, ...tagsFrom(input.tags) };
    if (Object.keys(merged).length > 50)
      throw new AwsError('TooManyTagsException', 400, 'Tag limit exceeded: a resource can have at most 50 tags');
    repo.tags = merged;
    return {};
  },

  async UntagResource(state, input) {
    const repo = byArn(state, input);
    for (const k of (input.tagKeys as string[] | undefined) ?? []) delete repo.tags[k];
    return {};
  },
};

// Runs one ECR operation; unknown operations are refused as ECR refuses them.
export async function runEcr(state: FakeState, op: string, input: Input): Promise<unknown> {
  const run = operations[op];
  if (run === undefined) throw new AwsError('UnknownOperationException', 400, '');
  return run(state, input);
}
