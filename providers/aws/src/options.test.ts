import { describe, expect, it } from 'vitest';
import { PctlError } from '@pctl/core';
import { awsError } from './errors.js';
import provider from './index.js';
import { parseOptions } from './options.js';

const base = { cluster: 'prod', namespace: 'shop' };

describe('aws options', () => {
  it("takes the original's options unchanged, plus region, repository and the shared Kubernetes ones", () => {
    const o = parseOptions({
      ...base,
      credentials: { region: 'eu-west-1', access_key_id: 'AKID', secret_access_key: 's', session_token: 't' },
      strategy: 'Recreate',
      serviceAccount: 'api',
      rbac: [{ resources: ['configmaps'], verbs: ['get'] }],
      storage: { name: 'efs', id: 'fs-0123456789abcdef0' },
      region: 'eu-west-1',
      repository: 'team/api',
      rolloutTimeout: 60,
      serviceType: 'LoadBalancer',
    });
    expect(o.storage).toEqual({ name: 'efs', id: 'fs-0123456789abcdef0', size: '5Gi' });
    expect(parseOptions({ ...base, storage: { size: '5Gi' } }).storage).toEqual({ size: '5Gi' });
  });

  it("takes a credentials block without keys (the original's docs mark them optional)", () => {
    expect(provider.validateOptions!({ ...base, credentials: { region: 'eu-west-1' } })).toEqual([]);
    expect(parseOptions({ ...base, credentials: { region: 'eu-west-1' } }).credentials).toEqual({
      region: 'eu-west-1',
    });
  });

  it('says which option is wrong, with its path', () => {
    expect(provider.validateOptions!({ ...base, bogus: 1 })).toEqual([
      { path: ['bogus'], message: 'unknown option "bogus"' },
    ]);
    expect(provider.validateOptions!({ namespace: 'shop' })[0]!.path).toEqual(['cluster']);
    expect(provider.validateOptions!({ ...base, credentials: { access_key_id: '' } })[0]!.path).toEqual([
      'credentials',
      'access_key_id',
    ]);
    expect(provider.validateOptions!({ ...base, credentials: { region: 'eu-west-1', token: 'x' } })[0]).toEqual({
      path: ['credentials', 'token'],
      message: 'unknown option "token"',
    });
    expect(provider.validateOptions!({ ...base, region: 'Europe' })[0]).toEqual({
      path: ['region'],
      message: 'must be an AWS region such as eu-west-1',
    });
    expect(() => parseOptions({ ...base, storage: { name: 'efs', id: 'x' } })).toThrow(/provider\.options\.storage/);
  });
});

describe('aws errors', () => {
  const sdkError = (name: string, message: string, status = 400) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
  const line = (e: PctlError) => e.oneLine();

  it('names the call, the resource and the fix', () => {
    expect(
      line(
        awsError(
          sdkError('ExpiredTokenException', 'The security token included in the request is expired'),
          'ECR DescribeImages',
          'shop-web:abc',
        ),
      ),
    ).toBe(
      'ECR DescribeImages shop-web:abc: ExpiredTokenException: The security token included in the request is expired (the session has expired: get new credentials (aws sso login, or a new session token) and run again)',
    );
    expect(
      awsError(
        sdkError('AccessDeniedException', 'User is not authorized', 403),
        'EKS DescribeCluster',
        'cluster prod in eu-west-1',
      ).oneLine(),
    ).toMatch(/needs eks:DescribeCluster on cluster prod in eu-west-1/);
    expect(awsError(sdkError('ThrottlingException', 'Rate exceeded'), 'ECR DescribeImages', 'x').code).toBe(
      'AwsThrottled',
    );
    expect(
      awsError(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
        'STS GetCallerIdentity',
        'in eu-west-1',
      ).oneLine(),
    ).toMatch(/AWS_PROFILE/);
    expect(
      awsError(
        sdkError('ResourceNotFoundException', 'No cluster found for name: x.', 404),
        'EKS DescribeCluster',
        'cluster x',
        { ResourceNotFoundException: 'check the name' },
      ).oneLine(),
    ).toBe('EKS DescribeCluster cluster x: ResourceNotFoundException: No cluster found for name: x. (check the name)');
  });
});
