// ECR's JSON 1.1 operations on the fake account, with ECR's own errors and messages.
import { AwsError } from './errors.js';
import { deleteImage, type EcrImage, listImages, untagImage } from './ecrImages.js';
import type { FakeRepository, FakeState } from './state.js';
import { nowMs } from './state.js';

type Input = Record<string, unknown>;
interface ImageId { imageTag?: string; imageDigest?: string }
interface Tag { Key?: string; Value?: string }

const NAME_PATTERN = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';

// The host ECR repositories of the account live on.
export function registryDomain(state: FakeState): string {
  return `${state.accountId}.dkr.ecr.${state.region}.amazonaws.com`;
}

// The ARN of a repository.
export function repositoryArn(state: FakeState, name: string): string {
  return `arn:aws:ecr:${state.region}:${state.accountId}:repository/${name}`;
}

function invalid(member: string, constraint: string): AwsError {
  return new AwsError('InvalidParameterException', 400, `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`);
}

function notFound(state: FakeState, name: string): AwsError {
  return new AwsError('RepositoryNotFoundException', 400, `The repository with name '${name}' does not exist in the registry with id '${state.accountId}'`);
}

function repositoryName(input: Input): string {
  const name = input.repositoryName;
  if (typeof name !== 'string') {
    throw new AwsError('InvalidParameterException', 400, "1 validation error detected: Value null at 'repositoryName' failed to satisfy constraint: Member must not be null");
  }
  if (name.length < 2 || name.length > 256 || !new RegExp(`^${NAME_PATTERN}$`).test(name)) {
    throw invalid('repositoryName', `must satisfy regular expression '${NAME_PATTERN}'`);
  }
  return name;
}

function existing(state: FakeState, input: Input): FakeRepository {
  const name = repositoryName(input);
  const repo = state.repositories.get(name);
  if (repo === undefined) throw notFound(state, name);
  return repo;
}

function describe(state: FakeState, r: FakeRepository) {
  return {
    repositoryArn: repositoryArn(state, r.name),
    registryId: state.accountId,
    repositoryName: r.name,
    repositoryUri: `${registryDomain(state)}/${r.name}`,
    createdAt: r.createdAt,
    imageTagMutability: r.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: r.scanOnPush },
    encryptionConfiguration: { encryptionType: 'AES256' },
  };
}

function tagsFrom(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (list === undefined) return out;
  if (!Array.isArray(list)) throw new AwsError('InvalidTagParameterException', 400, 'Invalid parameter at \'tags\' failed to satisfy constraint: \'Member must be a list\'');
  for (const t of list as Tag[]) {
    if (typeof t.Key !== 'string' || t.Key.length === 0 || t.Key.length > 128 || t.Key.startsWith('aws:')) {
      throw new AwsError('InvalidTagParameterException', 400, `Invalid parameter at 'tags' failed to satisfy constraint: 'Key is invalid: ${String(t.Key)}'`);
    }
    out[t.Key] = String(t.Value ?? '');
  }
  if (Object.keys(out).length > 50) throw new AwsError('TooManyTagsException', 400, 'Tag limit exceeded: a resource can have at most 50 tags');
  return out;
}

function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function byArn(state: FakeState, input: Input): FakeRepository {
  const arn = String(input.resourceArn ?? '');
  const m = /^arn:aws:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(arn);
  if (!m) throw invalid('resourceArn', 'Invalid ARN');
  const repo = m[1] === state.region && m[2] === state.accountId ? state.repositories.get(m[3]!) : undefined;
  if (repo === undefined) throw notFound(state, m[3]!);
  return repo;
}

function idText(id: ImageId): string {
  return `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;
}

function matchImage(images: EcrImage[], id: ImageId): EcrImage | undefined {
  return images.find((i) => (id.imageDigest === undefined || i.digest === id.imageDigest) && (id.imageTag === undefined || i.tags.includes(id.imageTag)));
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
  const start = typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64').toString('utf8')) : 0;
  const max = typeof input.maxResults === 'number' ? input.maxResults : 1000;
  const end = start + max;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64') } : {}) };
}

const operations: Record<string, (state: FakeState, input: Input) => Promise<unknown>> = {
  async CreateRepository(state, input) {
    const name = repositoryName(input);
    if (state.repositories.has(name)) {
      throw new AwsError('RepositoryAlreadyExistsException', 400, `The repository with name '${name}' already exists in the registry with id '${state.accountId}'`);
    }
    const scanning = input.imageScanningConfiguration as { scanOnPush?: boolean } | undefined;
    const repo: FakeRepository = {
      name, createdAt: nowMs(state) / 1000, tags: tagsFrom(input.tags), images: new Set(), scanOnPush: scanning?.scanOnPush === true,
      imageTagMutability: typeof input.imageTagMutability === 'string' ? input.imageTagMutability : 'MUTABLE', pushedAt: new Map(),
    };
    state.repositories.set(name, repo);
    return { repository: describe(state, repo) };
  },

  async DescribeRepositories(state, input) {
    const names = input.repositoryNames as string[] | undefined;
    const repos = names === undefined
      ? [...state.repositories.values()].sort((a, b) => a.createdAt - b.createdAt)
      : names.map((n) => existing(state, { repositoryName: n }));
    const { items, nextToken } = page(repos, input);
    return { repositories: items.map((r) => describe(state, r)), ...(nextToken ? { nextToken } : {}) };
  },

  async DeleteRepository(state, input) {
    const repo = existing(state, input);
    const images = await listImages(state, repo);
    if (images.length > 0 && input.force !== true) {
      throw new AwsError('RepositoryNotEmptyException', 400,
        `The repository with name '${repo.name}' in registry with id '${state.accountId}' cannot be deleted because it still contains images`);
    }
    for (const image of images) await deleteImage(state, repo, image);
    state.repositories.delete(repo.name);
    return { repository: describe(state, repo) };
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
          throw new AwsError('ImageNotFoundException', 400,
            `The image with imageId ${idText(id)} does not exist within the repository with name '${repo.name}' in the registry with id '${state.accountId}'`);
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

  async BatchDeleteImage(state, input) {
    const repo = existing(state, input);
    const images = await listImages(state, repo);
    const imageIds: ImageId[] = [];
    const failures: { imageId: ImageId; failureCode: string; failureReason: string }[] = [];
    for (const id of (input.imageIds as ImageId[] | undefined) ?? []) {
      const image = matchImage(images, id);
      if (image === undefined || (id.imageTag === undefined && id.imageDigest === undefined)) {
        const missingBoth = id.imageTag === undefined && id.imageDigest === undefined;
        failures.push({ imageId: id, failureCode: missingBoth ? 'MissingDigestAndTag' : 'ImageNotFound',
          failureReason: missingBoth ? 'Invalid request parameters: both tag and digest cannot be null' : 'Requested image not found' });
        continue;
      }
      if (id.imageTag !== undefined) {
        await untagImage(state, repo, image, id.imageTag);
        imageIds.push({ imageDigest: image.digest, imageTag: id.imageTag });
      } else {
        const tags = [...image.tags];
        await deleteImage(state, repo, image);
        for (const t of tags.length > 0 ? tags : [undefined]) imageIds.push({ imageDigest: image.digest, ...(t ? { imageTag: t } : {}) });
      }
    }
    return { imageIds, failures };
  },

  async GetAuthorizationToken(state) {
    return {
      authorizationData: [{
        authorizationToken: Buffer.from(`AWS:${state.registryPassword}`).toString('base64'),
        expiresAt: nowMs(state) / 1000 + 12 * 3600,
        proxyEndpoint: `https://${registryDomain(state)}`,
      }],
    };
  },

  async ListTagsForResource(state, input) {
    return { tags: tagList(byArn(state, input).tags) };
  },

  async TagResource(state, input) {
    const repo = byArn(state, input);
    const merged = { ...repo.tags, ...tagsFrom(input.tags) };
    if (Object.keys(merged).length > 50) throw new AwsError('TooManyTagsException', 400, 'Tag limit exceeded: a resource can have at most 50 tags');
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

// The ARN an ECR call acts on, for AccessDenied messages.
export function ecrResourceArn(state: FakeState, input: Input): string {
  if (typeof input.resourceArn === 'string') return input.resourceArn;
  if (typeof input.repositoryName === 'string') return repositoryArn(state, input.repositoryName);
  return '*';
}
