import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderContext } from '@pctl/core';
import { awsSdk, credentialsFor } from './sdk.js';

const chainKeys = {
  accessKeyId: 'AKIDFROMCHAIN',
  secretAccessKey: 'secret-from-chain',
  sessionToken: 'token-from-chain',
};
const chain = () => async () => chainKeys;

describe("options.credentials, every key optional (the original's docs)", () => {
  const saved = { ...process.env };
  beforeEach(() => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
      AWS_SECRET_ACCESS_KEY: 'secret-from-env',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    delete process.env.AWS_REGION;
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('{ region } alone: that region, and the keys of the SDK chain (here the environment)', async () => {
    const ctx = { secrets: [] as string[] } as unknown as ProviderContext;
    const sdk = await awsSdk(ctx, { credentials: { region: 'eu-west-1' } });
    expect(sdk.region).toBe('eu-west-1');
    expect(await sdk.credentials()).toMatchObject({ accessKeyId: 'AKIDFROMENV', secretAccessKey: 'secret-from-env' });
    expect(ctx.secrets).toEqual([]);
  });

  it('takes what the block names and the rest from the chain', async () => {
    expect(await credentialsFor({ region: 'eu-west-1' }, chain)()).toEqual(chainKeys);
    expect(await credentialsFor({ access_key_id: 'AKIDNAMED' }, chain)()).toEqual({
      ...chainKeys,
      accessKeyId: 'AKIDNAMED',
    });
    expect(await credentialsFor({ secret_access_key: 'named-secret' }, chain)()).toEqual({
      ...chainKeys,
      secretAccessKey: 'named-secret',
    });
  });

  it('both keys named: used as they are, the chain never asked', async () => {
    const refuse = () => async () => {
      throw new Error('the chain was asked');
    };
    expect(await credentialsFor({ access_key_id: 'AKIDNAMED', secret_access_key: 'named-secret' }, refuse)()).toEqual({
      accessKeyId: 'AKIDNAMED',
      secretAccessKey: 'named-secret',
    });
  });
});
