import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { ProviderContext } from '@pctl/core';
import { eksToken, TOKEN_LIFETIME_MS } from './eksToken.js';
import { awsSdk } from './sdk.js';

const ctx = { secrets: [] as string[] } as unknown as ProviderContext;
const creds = {
  access_key_id: 'AKIDPCTLTOKENTEST',
  secret_access_key: 'pctl-token-test-secret-key',
  session_token: 'pctl-session-token-value',
};

const decode = (token: string) => new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());

// `aws eks get-token` of Debian's aws CLI v2 with the same credentials and region.
async function cliToken(env: Record<string, string>): Promise<string> {
  const r = await execa('/usr/bin/aws', ['eks', 'get-token', '--cluster-name', 'prod', '--output', 'json'], {
    env: {
      AWS_ACCESS_KEY_ID: creds.access_key_id,
      AWS_SECRET_ACCESS_KEY: creds.secret_access_key,
      AWS_SESSION_TOKEN: creds.session_token,
      AWS_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      PATH: process.env.PATH!,
      HOME: '/nonexistent',
      ...env,
    },
    extendEnv: false,
  });
  return (JSON.parse(r.stdout) as { status: { token: string } }).status.token;
}

describe('EKS token', () => {
  it('is byte for byte what `aws eks get-token` makes at the same second', async () => {
    const theirs = await cliToken({});
    const date = decode(theirs).searchParams.get('X-Amz-Date')!;
    const at = new Date(
      `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
    );
    const sdk = await awsSdk(ctx, { region: 'eu-west-1', credentials: creds });
    const ours = await eksToken(sdk, 'prod', at);
    expect(ours.token).toBe(theirs);
    expect(theirs).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = decode(ours.token);
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(ours.expiresAt).toBe(at.getTime() + TOKEN_LIFETIME_MS);
    // The secret never travels; the session token does (STS needs it).
    expect(url.toString()).not.toContain(creds.secret_access_key);
  });

  // (Debian's aws CLI 2.9 predates AWS_ENDPOINT_URL_*, so it cannot be the judge here.)
  it('goes to the STS endpoint AWS_ENDPOINT_URL_STS names', async () => {
    const endpoint = 'http://127.0.0.1:4599';
    process.env.AWS_ENDPOINT_URL_STS = endpoint;
    try {
      const sdk = await awsSdk(ctx, { region: 'eu-north-1', credentials: creds });
      const url = decode((await eksToken(sdk, 'other')).token);
      expect(url.origin).toBe(endpoint);
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(
        /^AKIDPCTLTOKENTEST\/\d{8}\/eu-north-1\/sts\/aws4_request$/,
      );
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
    }
  });

  it('marks explicit credentials as secrets of the run', async () => {
    const c = { secrets: [] as string[] } as unknown as ProviderContext;
    await awsSdk(c, {
      region: 'eu-west-1',
      credentials: { access_key_id: 'AKIDX', secret_access_key: 'another-secret-key-1' },
    });
    expect(c.secrets).toEqual(['another-secret-key-1']);
  });
});
