import { describe, expect, it } from 'vitest';
import { createMemoryReporter, isPctlError, type Exec, type ProviderContext } from '@pctl/core';
import { loginOnce, type RegistryLogin } from './registryLogin.js';

// A context whose `docker` answers with the given exit codes in turn, recording each call.
function fakeDocker(exitCodes: number[]) {
  const calls: { args: string[]; input?: string; secrets?: string[] }[] = [];
  const exec: Exec = async (_file, args, opts) => {
    calls.push({ args, input: opts?.input as string | undefined, secrets: opts?.secrets });
    const exitCode = exitCodes.shift() ?? 0;
    return {
      exitCode,
      stdout: '',
      stderr: exitCode ? 'Error response from daemon: unauthorized\n' : '',
      command: 'docker',
    } as Awaited<ReturnType<Exec>>;
  };
  const ctx = {
    stack: 'shop',
    reporter: createMemoryReporter(),
    exec,
    signal: new AbortController().signal,
  } as unknown as ProviderContext;
  return { ctx, calls };
}

const login = (password: string): RegistryLogin => ({
  username: 'oauth2accesstoken',
  credentials: async () => ({ password, secrets: [password] }),
  what: 'logging in to the test registry',
  hint: 'check the test credentials',
});

describe('loginOnce', () => {
  it('logs in once per user and host, the password on stdin and masked, however many services ask at once', async () => {
    const { ctx, calls } = fakeDocker([]);
    const host = `once-${Math.random().toString(36).slice(2)}.example:5000`;
    await Promise.all([
      loginOnce(ctx, host, login('s3cret')),
      loginOnce(ctx, host, login('s3cret')),
      loginOnce(ctx, host, login('s3cret')),
    ]);
    expect(calls).toEqual([
      {
        args: ['login', '--username', 'oauth2accesstoken', '--password-stdin', '--', host],
        input: 's3cret',
        secrets: ['s3cret'],
      },
    ]);
    await loginOnce(ctx, host, { ...login('other'), username: 'AWS' });
    expect(calls.map((c) => c.args[2])).toEqual(['oauth2accesstoken', 'AWS']);
  });

  it('fails with RegistryLoginFailed naming what failed, and the next call tries again', async () => {
    const { ctx, calls } = fakeDocker([1, 0]);
    const host = `retry-${Math.random().toString(36).slice(2)}.example`;
    const err = await loginOnce(ctx, host, login('pw')).catch((e: unknown) => e);
    expect(isPctlError(err) && err.code).toBe('RegistryLoginFailed');
    expect((err as Error).message).toBe(
      'logging in to the test registry failed: Error response from daemon: unauthorized',
    );
    await loginOnce(ctx, host, login('pw'));
    expect(calls).toHaveLength(2);
  });
});
