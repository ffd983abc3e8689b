import { describe, expect, it } from 'vitest';
import { isAddressPath, secretLikeName, secretsOf, type ResolvedValue } from './secretRule.js';

const env = (key: string, value: string, path: (string | number)[]): ResolvedValue => ({
  source: 'env',
  key,
  value,
  path,
});

describe('the masking rule', () => {
  it('knows names that look like secrets', () => {
    for (const n of ['DB_PASSWORD', 'apiToken', 'secretAccessKey', 'GITHUB_TOKEN', 'credentials', 'private_key'])
      expect(secretLikeName(n), n).toBe(true);
    for (const n of ['LOG_LEVEL', 'monkey', 'MODE', 'keyboard', 'HOST']) expect(secretLikeName(n), n).toBe(false);
  });

  it('takes files, ssm, secret-like names and marked values whatever their length, ordinary values from 8 characters', () => {
    const values: ResolvedValue[] = [
      env('LOG_LEVEL', 'error', ['services', 'api', 'env', 'LOG_LEVEL']),
      env('FLAG', 'true', ['services', 'api', 'env', 'FLAG']),
      env('GREETING', 'hello world', ['services', 'api', 'env', 'GREETING']),
      env('PIN', '4711', ['services', 'api', 'env', 'DB_PASSWORD']),
      { source: 'file', key: './pw', value: 'abc', path: ['services', 'api', 'env', 'X'] },
      { source: 'ssm', key: '/p', value: 'q1w2', path: ['services', 'api', 'env', 'Y'] },
      env('SHORT', 'x1y2', ['services', 'api', 'env', 'SHORT']),
      env('REG_PW', 'r3g!', ['services', 'api', 'registry', 'password']),
    ];
    expect(secretsOf(values, new Set(['SHORT'])).sort()).toEqual([
      '4711',
      'abc',
      'hello world',
      'q1w2',
      'r3g!',
      'x1y2',
    ]);
  });

  it('never takes an address the next run needs, even when it is used elsewhere too', () => {
    const values: ResolvedValue[] = [
      env('DEPLOY_HOST', 'deploy.example.com', ['services', 'api', 'provider', 'options', 'host']),
      env('DEPLOY_HOST', 'deploy.example.com', ['services', 'api', 'env', 'UPSTREAM']),
      env('NET', 'my-network-1', ['services', 'api', 'provider', 'options', 'network']),
      env('REG', 'registry.example.com:5000', ['services', 'api', 'registry']),
      env('STACK', 'my-stack-name', ['name']),
      {
        source: 'file',
        key: './host',
        value: 'file-host.example',
        path: ['services', 'api', 'provider', 'options', 'host'],
      },
    ];
    expect(secretsOf(values)).toEqual([]);
    expect(isAddressPath(['services', 'api', 'image'])).toBe(true);
    expect(isAddressPath(['services', 'api', 'env', 'HOST'])).toBe(false);
    expect(isAddressPath(['services', 'api', 'provider', 'options', 'credentials', 'region'])).toBe(true);
    expect(isAddressPath(['services', 'api', 'provider', 'options', 'credentials', 'secretAccessKey'])).toBe(false);
    expect(isAddressPath(['services', 'api', 'provider', 'options', 'credentials', 'key'])).toBe(false);
    expect(secretsOf(values, new Set(['NET']))).toEqual(['my-network-1']);
  });
});
