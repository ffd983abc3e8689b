// ECR repositories: names, ARNs, URIs, tags and lookups, with ECR's messages.
import { AwsError } from './errors.js';
import type { FakeRepository, FakeState } from './state.js';

// The input of a JSON 1.1 call.
export type Input = Record<string, unknown>;
interface Tag {
  Key?: string;
  Value?: string;
}

const NAME_PATTERN = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';

// The host ECR repositories of the account live on.
export function registryDomain(state: FakeState): string {
  return `${state.accountId}.dkr.ecr.${state.region}.amazonaws.com`;
}

// The ARN of a repository.
export function repositoryArn(state: FakeState, name: string): string {
  return `arn:aws:ecr:${state.region}:${state.accountId}:repository/${name}`;
}

// InvalidParameterException as ECR words a failed constraint.
export function invalid(member: string, constraint: string): AwsError {
  return new AwsError(
    'InvalidParameterException',
    400,
    `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`,
  );
}

// RepositoryNotFoundException for a name.
export function notFound(state: FakeState, name: string): AwsError {
  return new AwsError(
    'RepositoryNotFoundException',
    400,
    `The repository with name '${name}' does not exist in the registry with id '${state.accountId}'`,
  );
}

// The repositoryName of a call, checked against ECR's pattern and length.
export function repositoryName(input: Input): string {
  const name = input.repositoryName;
  if (typeof name !== 'string') {
    throw new AwsError(
      'InvalidParameterException',
      400,
      "1 validation error detected: Value null at 'repositoryName' failed to satisfy constraint: Member must not be null",
    );
  }
  if (name.length < 2 || name.length > 256 || !new RegExp(`^${NAME_PATTERN}$`).test(name)) {
    throw invalid('repositoryName', `must satisfy regular expression '${NAME_PATTERN}'`);
  }
  return name;
}

// The repository a call names, or RepositoryNotFoundException.
export function existing(state: FakeState, input: Input): FakeRepository {
  const name = repositoryName(input);
  const repo = state.repositories.get(name);
  if (repo === undefined) throw notFound(state, name);
  return repo;
}

// A repository as ECR describes it.
export function describeRepository(state: FakeState, r: FakeRepository) {
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

// ECR's [{Key, Value}] tags as a record, checked as ECR checks them.
export function tagsFrom(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (list === undefined) return out;
  if (!Array.isArray(list))
    throw new AwsError(
      'InvalidTagParameterException',
      400,
      "Invalid parameter at 'tags' failed to satisfy constraint: 'Member must be a list'",
    );
  for (const t of list as Tag[]) {
    if (typeof t.Key !== 'string' || t.Key.length === 0 || t.Key.length > 128 || t.Key.startsWith('aws:')) {
      throw new AwsError(
        'InvalidTagParameterException',
        400,
        `Invalid parameter at 'tags' failed to satisfy constraint: 'Key is invalid: ${String(t.Key)}'`,
      );
    }
    out[t.Key] = String(t.Value ?? '');
  }
  if (Object.keys(out).length > 50)
    throw new AwsError('TooManyTagsException', 400, 'Tag limit exceeded: a resource can have at most 50 tags');
  return out;
}

// A tag record as ECR's [{Key, Value}] list.
export function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

// The repository a resourceArn names.
export function byArn(state: FakeState, input: Input): FakeRepository {
  const arn = String(input.resourceArn ?? '');
  const m = /^arn:aws:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(arn);
  if (!m) throw invalid('resourceArn', 'Invalid ARN');
  const repo = m[1] === state.region && m[2] === state.accountId ? state.repositories.get(m[3]!) : undefined;
  if (repo === undefined) throw notFound(state, m[3]!);
  return repo;
}

// The ARN an ECR call acts on, for AccessDenied messages.
export function ecrResourceArn(state: FakeState, input: Input): string {
  if (typeof input.resourceArn === 'string') return input.resourceArn;
  if (typeof input.repositoryName === 'string') return repositoryArn(state, input.repositoryName);
  return '*';
}
