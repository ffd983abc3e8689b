// ECR: the repository a service's builds go to (created when missing, tagged as pctl's,
// scan on push), whether a tag is there, `docker login` with the GetAuthorizationToken
// password on standard input, and deleting what pctl pushed (the repository only when
// pctl created it and it is empty).
import { PctlError, type ProviderContext } from '@pctl/core';
import { loginOnce } from '@pctl/kube';
import { awsError, errorName } from './errors.js';
import type { AwsSdk } from './sdk.js';

export const REGISTRY_USER = 'AWS';

export interface Repository {
  name: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, as ECR reports it. */
  uri: string;
  /** True when this run created it. */
  created: boolean;
}

/** The repository `name`, created (tagged as pctl's, scan on push) when it is missing. */
export async function ensureRepository(sdk: AwsSdk, name: string, stack: string): Promise<Repository> {
  const { DescribeRepositoriesCommand, CreateRepositoryCommand } = sdk.ecrModule;
  try {
    const r = await sdk.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }));
    const repo = r.repositories?.[0];
    if (repo?.repositoryUri) return { name, uri: repo.repositoryUri, created: false };
  } catch (e) {
    if (errorName(e) !== 'RepositoryNotFoundException')
      throw awsError(e, 'ECR DescribeRepositories', `repository ${name} in ${sdk.region}`);
  }
  try {
    const r = await sdk.ecr.send(
      new CreateRepositoryCommand({
        repositoryName: name,
        imageScanningConfiguration: { scanOnPush: true },
        tags: [
          { Key: 'managed-by', Value: 'pctl' },
          { Key: 'pctl-stack', Value: stack },
        ],
      }),
    );
    if (!r.repository?.repositoryUri) throw new Error('CreateRepository returned no repositoryUri');
    return { name, uri: r.repository.repositoryUri, created: true };
  } catch (e) {
    // Another service of this run made it a moment ago.
    if (errorName(e) === 'RepositoryAlreadyExistsException')
      return { ...(await ensureRepository(sdk, name, stack)), created: false };
    throw awsError(e, 'ECR CreateRepository', `repository ${name} in ${sdk.region}`);
  }
}

/** Whether `repository:tag` is in ECR. */
export async function hasTag(sdk: AwsSdk, repository: string, tag: string): Promise<boolean> {
  try {
    const r = await sdk.ecr.send(
      new sdk.ecrModule.DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    );
    return (r.imageDetails ?? []).some((d) => d.imageTags?.includes(tag));
  } catch (e) {
    if (errorName(e) === 'ImageNotFoundException') return false;
    throw awsError(e, 'ECR DescribeImages', `${repository}:${tag}`);
  }
}

/** The registry password GetAuthorizationToken hands out (user `AWS`), and the token it came in. */
export async function registryPassword(sdk: AwsSdk, host: string): Promise<{ token: string; password: string }> {
  let token: string;
  try {
    const r = await sdk.ecr.send(new sdk.ecrModule.GetAuthorizationTokenCommand({}));
    token = r.authorizationData?.[0]?.authorizationToken ?? '';
  } catch (e) {
    throw awsError(e, 'ECR GetAuthorizationToken', `for ${host}`);
  }
  const decoded = Buffer.from(token, 'base64').toString();
  const password = decoded.slice(decoded.indexOf(':') + 1);
  if (!token || !password)
    throw new PctlError({
      code: 'AwsApiError',
      message: `ECR GetAuthorizationToken for ${host}: no authorization token was returned`,
      fault: 'environment',
      exitCode: 1,
    });
  return { token, password };
}

/** `docker login` to the registry of `host` with ECR's password on stdin, once per host and run. */
export function dockerLogin(ctx: ProviderContext, sdk: AwsSdk, host: string): Promise<void> {
  return loginOnce(ctx, host, {
    username: REGISTRY_USER,
    credentials: async () => {
      const { token, password } = await registryPassword(sdk, host);
      return { password, secrets: [password, token] };
    },
    what: `logging in to ECR ${host} with the GetAuthorizationToken password`,
    hint: "the IAM principal needs ecr:GetAuthorizationToken, and the registry must be the account's",
  });
}

/** Deletes `repository:tag`; false when it was already gone. */
export async function deleteTag(sdk: AwsSdk, repository: string, tag: string): Promise<boolean> {
  try {
    const r = await sdk.ecr.send(
      new sdk.ecrModule.BatchDeleteImageCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    );
    return (r.imageIds ?? []).length > 0;
  } catch (e) {
    if (errorName(e) === 'RepositoryNotFoundException') return false;
    throw awsError(e, 'ECR BatchDeleteImage', `${repository}:${tag}`);
  }
}

/** Deletes the repository when it holds no image; 'kept' when it does. */
export async function deleteRepositoryIfEmpty(sdk: AwsSdk, repository: string): Promise<'deleted' | 'kept' | 'gone'> {
  try {
    const r = await sdk.ecr.send(new sdk.ecrModule.DescribeImagesCommand({ repositoryName: repository }));
    if ((r.imageDetails ?? []).length > 0) return 'kept';
    // Without force: ECR refuses when an image arrived in between.
    await sdk.ecr.send(new sdk.ecrModule.DeleteRepositoryCommand({ repositoryName: repository }));
    return 'deleted';
  } catch (e) {
    if (errorName(e) === 'RepositoryNotFoundException') return 'gone';
    if (errorName(e) === 'RepositoryNotEmptyException') return 'kept';
    throw awsError(e, 'ECR DeleteRepository', `repository ${repository}`);
  }
}
