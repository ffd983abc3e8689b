import type { ServiceTarget } from '@pctl/core';
import { describe, expect, it } from 'vitest';
import { createSpec } from './createSpec.js';
import { holdsHostPort, onHold, withoutHostPorts } from './portHandover.js';

const spec = (ports: (string | number)[] | undefined, first = true) =>
  createSpec({
    target: {
      name: 'web',
      key: 's-web',
      service: { provider: { name: 'docker' }, ...(ports ? { ports } : {}) } as ServiceTarget['service'],
      labels: { 'managed-by': 'pctl', 'pctl-stack': 's', 'pctl-service': 's-web' },
      fingerprint: 'f',
      image: { ref: 'busybox:latest', builtByPctl: false },
    },
    net: 'pctl-s',
    first,
    volumes: [],
    alias: false,
  });

describe('the port holder replacement', () => {
  it('holds a host port only with a fixed host port on the first replica (a random one can run twice)', () => {
    expect(holdsHostPort(spec(['127.0.0.1:8080:80']))).toBe(true);
    expect(holdsHostPort(spec([8080]))).toBe(true);
    expect(holdsHostPort(spec(['127.0.0.1::80']))).toBe(false);
    expect(holdsHostPort(spec(['8080:80'], false))).toBe(false);
    expect(holdsHostPort(spec(undefined))).toBe(false);
  });

  it('gates a copy without the host ports, the rest of the body unchanged', () => {
    const full = spec(['127.0.0.1:8080:80']);
    const copy = withoutHostPorts(full);
    expect(holdsHostPort(copy)).toBe(false);
    expect(copy.HostConfig?.PortBindings).toBeUndefined();
    expect({ ...copy, HostConfig: { ...copy.HostConfig, PortBindings: full.HostConfig?.PortBindings } }).toEqual(full);
    expect(full.HostConfig?.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] });
  });

  it('starts the final container with its ports on the hold network only', () => {
    const held = onHold(spec(['8080:80']), 's-web.hold');
    expect(held.HostConfig?.NetworkMode).toBe('s-web.hold');
    expect(held.NetworkingConfig).toEqual({ EndpointsConfig: { 's-web.hold': {} } });
    expect(held.HostConfig?.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  });
});
