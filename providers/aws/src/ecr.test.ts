import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMemoryReporter,
  type Exec,
  type ExecOptions,
  type ProviderContext,
  type ServiceConfig,
} from '@pctl/core';
import { deliver, removeImages } from './cloud.js';
import { deleteRepositoryIfEmpty, ensureRepository, hasTag } from './ecr.js';
import { awsSdk } from './sdk.js';
import { imageFor } from './images.js';
import { parseOptions } from './options.js';
import provider from './index.js';

const ecr = mockClient(ECRClient);
afterEach(() => ecr.reset());
const notFound = (E: typeof RepositoryNotFoundException | typeof ImageNotFoundException) =>
  new E({ message: 'not found', $metadata: {} });

function context(): ProviderContext & { commands: { file: string; args: readonly string[]; opts?: ExecOptions }[] } {
  const commands: { file: string; args: readonly string[]; opts?: ExecOptions }[] = [];
  const exec: Exec = async (file, args, opts) => {
    commands.push({ file, args, opts });
    return { command: [file, ...args].join(' '), exitCode: 0, stdout: '', stderr: '' };
  };
  return {
    stack: 'shop',
    secrets: [],
    reporter: createMemoryReporter(),
    exec,
    commands,
    signal: new AbortController().signal,
    config: { name: 'shop', services: {} },
  } as unknown as ReturnType<typeof context>;
}
const creds = { region: 'eu-west-1', access_key_id: 'AKIDUNIT', secret_access_key: 'unit-secret-key-000' };

describe('ECR', () => {
  it("creates a missing repository tagged as pctl's with scan on push", async () => {
    ecr.on(DescribeRepositoriesCommand).rejects(notFound(RepositoryNotFoundException));
    ecr
      .on(CreateRepositoryCommand)
      .resolves({ repository: { repositoryUri: '1.dkr.ecr.eu-west-1.amazonaws.com/shop-web' } });
    const sdk = await awsSdk(context(), { credentials: creds });
    expect(await ensureRepository(sdk, 'shop-web', 'shop')).toEqual({
      name: 'shop-web',
      uri: '1.dkr.ecr.eu-west-1.amazonaws.com/shop-web',
      created: true,
    });
    expect(ecr.commandCalls(CreateRepositoryCommand)[0]!.args[0].input).toEqual({
      repositoryName: 'shop-web',
      imageScanningConfiguration: { scanOnPush: true },
      tags: [
        { Key: 'managed-by', Value: 'pctl' },
        { Key: 'pctl-stack', Value: 'shop' },
      ],
    });
  });

  it('uses an existing repository as it is', async () => {
    ecr
      .on(DescribeRepositoriesCommand)
      .resolves({ repositories: [{ repositoryUri: '1.dkr.ecr.eu-west-1.amazonaws.com/shop-web' }] });
    const sdk = await awsSdk(context(), { credentials: creds });
    expect((await ensureRepository(sdk, 'shop-web', 'shop')).created).toBe(false);
    expect(ecr.commandCalls(CreateRepositoryCommand)).toHaveLength(0);
  });

  it('a missing tag is false, not an error', async () => {
    ecr.on(DescribeImagesCommand).rejects(notFound(ImageNotFoundException));
    expect(await hasTag(await awsSdk(context(), { credentials: creds }), 'shop-web', 'abc')).toBe(false);
  });

  it('keeps a repository that holds images, deletes an empty one without force', async () => {
    const sdk = await awsSdk(context(), { credentials: creds });
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['users'] }] });
    expect(await deleteRepositoryIfEmpty(sdk, 'shop-web')).toBe('kept');
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    ecr.on(DeleteRepositoryCommand).resolves({});
    expect(await deleteRepositoryIfEmpty(sdk, 'shop-web')).toBe('deleted');
    expect(ecr.commandCalls(DeleteRepositoryCommand)[0]!.args[0].input).toEqual({ repositoryName: 'shop-web' });
  });

  it('a service whose registry is an ECR URL is pushed by the provider, logged in on stdin with the ECR password', async () => {
    const ctx = context();
    const password = 'ecr-login-password-unit';
    ecr.on(DescribeImagesCommand).rejects(notFound(ImageNotFoundException));
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
          proxyEndpoint: 'https://1.dkr.ecr.eu-central-1.amazonaws.com',
        },
      ],
    });
    const service = {
      image: './api',
      registry: '1.dkr.ecr.eu-central-1.amazonaws.com/team/api',
      provider: { name: 'aws', options: { cluster: 'prod', namespace: 'shop', credentials: creds } },
    } as unknown as ServiceConfig;
    expect(provider.needsPush!(service.provider.options!, service)).toBe(false);
    expect(provider.needsPush!(service.provider.options!, { ...service, registry: 'ghcr.io/team/api' })).toBe(true);
    const o = parseOptions(service.provider.options);
    const ref = '1.dkr.ecr.eu-central-1.amazonaws.com/team/api:0123456789ab';
    const image = imageFor(
      {
        ctx,
        target: {
          name: 'api',
          key: 'shop-api',
          service,
          labels: {},
          fingerprint: 'f',
          image: { ref, builtByPctl: true },
        },
      },
      o,
    );
    expect(image).toEqual({ ref, local: ref });
    expect(await deliver(ctx, o, { ref, local: ref }, 'shop-api')).toBe(true);
    expect(ctx.commands.map((c) => [c.file, ...c.args].join(' '))).toEqual([
      'docker login --username AWS --password-stdin -- 1.dkr.ecr.eu-central-1.amazonaws.com',
      `docker push -- ${ref}`,
    ]);
    expect(ctx.commands[0]!.opts?.input).toBe(password);
    expect(ctx.commands[0]!.opts?.secrets).toContain(password);
    // The registry's region is the URL's, not the options'.
    expect(await ecr.commandCalls(DescribeImagesCommand)[0]!.thisValue.config.region()).toBe('eu-central-1');
    expect(ctx.secrets).toContain(creds.secret_access_key);
  });

  it('destroy deletes every tag pctl pushed for the service, and the repository only when pctl created it', async () => {
    const ctx = context();
    ecr
      .on(BatchDeleteImageCommand)
      .callsFake((input: { imageIds: { imageTag: string }[] }) => ({ imageIds: input.imageIds }));
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    ecr.on(DeleteRepositoryCommand).resolves({});
    const entry = {
      image: 'pctl-shop-web:bbb',
      aws: { region: 'eu-west-1', eksCluster: 'prod' },
      registryUrl: '1.dkr.ecr.eu-west-1.amazonaws.com/shop-web',
    };
    await removeImages(
      ctx,
      'shop-web',
      {
        ...entry,
        ecr: {
          image: '1.dkr.ecr.eu-west-1.amazonaws.com/shop-web:bbb',
          pushedByPctl: true,
          pushedTags: ['aaa', 'bbb'],
          repositoryCreated: false,
        },
      },
      parseOptions({ cluster: 'prod', namespace: 'shop', credentials: creds }),
    );
    expect(ecr.commandCalls(BatchDeleteImageCommand).map((c) => c.args[0].input.imageIds)).toEqual([
      [{ imageTag: 'aaa' }],
      [{ imageTag: 'bbb' }],
    ]);
    expect(ecr.commandCalls(DeleteRepositoryCommand)).toHaveLength(0);
    await removeImages(
      ctx,
      'shop-web',
      {
        ...entry,
        ecr: {
          image: '1.dkr.ecr.eu-west-1.amazonaws.com/shop-web:bbb',
          pushedByPctl: true,
          pushedTags: ['bbb'],
          repositoryCreated: true,
        },
      },
      parseOptions({ cluster: 'prod', namespace: 'shop', credentials: creds }),
    );
    expect(ecr.commandCalls(DeleteRepositoryCommand)).toHaveLength(1);
    // Another service's build (taken with pctl://) is left alone.
    ecr.resetHistory();
    await removeImages(
      ctx,
      'shop-worker',
      {
        ...entry,
        ecr: {
          image: '1.dkr.ecr.eu-west-1.amazonaws.com/shop-web:bbb',
          pushedByPctl: true,
          pushedTags: ['bbb'],
          repositoryCreated: true,
        },
      },
      undefined,
    );
    expect(ecr.commandCalls(BatchDeleteImageCommand)).toHaveLength(0);
  });
});
