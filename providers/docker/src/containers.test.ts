import { describe, expect, it } from 'vitest';
import type { ServiceTarget } from '@pctl/core';
import { ENV_FILE, envTransport, runArgs } from './containers.js';

const target = (over: Partial<ServiceTarget['service']> = {}, ref = 'busybox:latest'): ServiceTarget => ({
  name: 'api',
  key: 's-api',
  service: { provider: { name: 'docker' }, ...over } as ServiceTarget['service'],
  labels: { 'managed-by': 'pctl', 'pctl-stack': 's', 'pctl-service': 's-api' },
  fingerprint: 'f',
  image: { ref, builtByPctl: false },
});

describe('docker run arguments', () => {
  it('carry env values in a file, never as NAME=value', () => {
    const env = envTransport('s-api', { TOKEN: 'Qz7-secret', EMPTY: '' }, false);
    expect(env.file).toBe('TOKEN=Qz7-secret\nEMPTY=\n');
    const args = runArgs({ target: target({ env: { TOKEN: 'Qz7-secret' } }), name: 's-api', net: 'pctl-s', first: true, volumes: [], env });
    expect(args.join(' ')).not.toContain('Qz7-secret');
    expect(args.slice(args.indexOf('--env-file'), args.indexOf('--env-file') + 2)).toEqual(['--env-file', ENV_FILE]);
  });

  it('put a multi-line value in the CLI environment locally, and refuse it remotely or for a variable the CLI reads', () => {
    expect(envTransport('s-api', { PEM: 'a\nb' }, false)).toEqual({ args: ['-e', 'PEM'], file: undefined, childEnv: { PEM: 'a\nb' } });
    expect(() => envTransport('s-api', { PEM: 'a\nb' }, true)).toThrow(/line break/);
    expect(() => envTransport('s-api', { DOCKER_HOST: 'a\nb' }, false)).toThrow(/DOCKER_HOST/);
  });

  it('place the image and command after --, so neither is read as an option', () => {
    const args = runArgs({ target: target({ command: '--privileged' }, '--rm'), name: 's-api', net: 'pctl-s', first: true, volumes: [], env: { args: [] } });
    const dashdash = args.indexOf('--');
    expect(args.slice(dashdash)).toEqual(['--', '--rm', 'sh', '-c', '--privileged']);
    expect(args.slice(0, dashdash).filter((a) => a === '--rm' || a === '--privileged')).toEqual([]);
  });
});
