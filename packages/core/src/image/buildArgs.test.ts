// Build args for the docker CLI: values in its environment, never on its command line, and
// the real docker CLI builds with a value given so (`--build-arg NAME`, no `=`).
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildArgFlags } from './buildArgs.js';

describe('build args for the docker CLI', () => {
  it('names go on the command line, values into the environment', () => {
    const secret = 'Tk-5f3a9 $(id) --push';
    const { flags, env } = buildArgFlags({ TOKEN: secret, NODE_ENV: 'production', api_key: secret });
    expect(flags).toEqual(['--build-arg=NODE_ENV', '--build-arg=TOKEN', '--build-arg=api_key']);
    expect(flags.join(' ')).not.toContain(secret);
    expect(env).toEqual({ NODE_ENV: 'production', TOKEN: secret, api_key: secret });
  });

  it('a name the CLI reads itself, or one no environment can hold, stays NAME=value', () => {
    const { flags, env } = buildArgFlags({
      DOCKER_HOST: 'tcp://elsewhere:2375',
      HTTP_PROXY: 'http://proxy:3128',
      no_proxy: 'local',
      HOME: '/x',
      'my-arg': 'v',
      BUILDKIT_INLINE_CACHE: '1',
      '--push': '-q',
    });
    expect(flags).toEqual([
      '--build-arg=--push=-q',
      '--build-arg=BUILDKIT_INLINE_CACHE=1',
      '--build-arg=DOCKER_HOST=tcp://elsewhere:2375',
      '--build-arg=HOME=/x',
      '--build-arg=HTTP_PROXY=http://proxy:3128',
      '--build-arg=my-arg=v',
      '--build-arg=no_proxy=local',
    ]);
    expect(env).toEqual({});
  });

  it('the docker CLI takes a value-less build arg from its environment', async () => {
    const ref = `pctl-build-args-unit:${process.pid}`;
    const { flags, env } = buildArgFlags({ TOKEN: 'from-the-environment' });
    const dockerfile = 'FROM busybox:latest\nARG TOKEN\nRUN test "$TOKEN" = from-the-environment\n';
    try {
      const r = await execa('docker', ['build', '--force-rm', '-t', ref, ...flags, '-'], {
        input: dockerfile,
        env: { ...env, DOCKER_CLI_HINTS: 'false' },
        reject: false,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const wrong = await execa('docker', ['build', '--force-rm', ...flags, '-'], {
        input: dockerfile,
        env: { TOKEN: 'other' },
        reject: false,
      });
      expect(wrong.exitCode).not.toBe(0);
    } finally {
      await execa('docker', ['rmi', '-f', ref], { reject: false });
    }
  });
});
