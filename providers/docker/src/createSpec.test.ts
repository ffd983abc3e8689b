import { describe, expect, it } from 'vitest';
import type { ServiceTarget } from '@pctl/core';
import { createSpec, memoryBytes, nanoseconds } from './createSpec.js';

const target = (over: Partial<ServiceTarget['service']> = {}, ref = 'busybox:latest'): ServiceTarget => ({
  name: 'api',
  key: 's-api',
  service: { provider: { name: 'docker' }, ...over } as ServiceTarget['service'],
  labels: { 'managed-by': 'pctl', 'pctl-stack': 's', 'pctl-service': 's-api' },
  fingerprint: 'f',
  image: { ref, builtByPctl: false },
});
const spec = (over: Partial<ServiceTarget['service']> = {}, first = true) =>
  createSpec({ target: target(over), net: 'pctl-s', first, volumes: [{ name: 's-api-storage', path: '/data' }] });

describe('the container create body', () => {
  it('joins the network with the service name as alias, except a start-first replacement before its handover', () => {
    expect(spec().NetworkingConfig).toEqual({ EndpointsConfig: { 'pctl-s': { Aliases: ['api'] } } });
    const next = createSpec({ target: target(), net: 'pctl-s', first: true, volumes: [], alias: false });
    expect(next.NetworkingConfig).toEqual({ EndpointsConfig: { 'pctl-s': {} } });
    expect(next.HostConfig!.NetworkMode).toBe('pctl-s');
  });

  it('carries env values verbatim as data, line breaks and all', () => {
    expect(spec({ env: { TOKEN: 'Qz7-secret', PEM: 'a\nb', EMPTY: '' } }).Env).toEqual([
      'TOKEN=Qz7-secret',
      'PEM=a\nb',
      'EMPTY=',
    ]);
  });

  it('runs the command as sh -c <command>, the value one array element', () => {
    expect(spec({ command: '--privileged; id' }).Cmd).toEqual(['sh', '-c', '--privileged; id']);
    expect(spec().Cmd).toBeUndefined();
  });

  it('publishes ports as -p does: ranges one by one, udp, host address, a random host port', () => {
    const s = spec({ ports: [8080, '127.0.0.1:9000-9001:90-91', '53/udp', '[::1]::7000', '8443:443'] });
    expect(s.HostConfig!.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '', HostPort: '8080' }],
      '90/tcp': [{ HostIp: '127.0.0.1', HostPort: '9000' }],
      '91/tcp': [{ HostIp: '127.0.0.1', HostPort: '9001' }],
      '53/udp': [{ HostIp: '', HostPort: '53' }],
      '7000/tcp': [{ HostIp: '::1', HostPort: '' }],
      '443/tcp': [{ HostIp: '', HostPort: '8443' }],
    });
    expect(Object.keys(s.ExposedPorts!)).toEqual(['8080/tcp', '90/tcp', '91/tcp', '53/udp', '7000/tcp', '443/tcp']);
    expect(spec({ ports: [8080] }, false).HostConfig!.PortBindings).toBeUndefined();
  });

  it('has the network with the service name as alias, the restart policy, labels, volumes and limits', () => {
    const s = spec({
      volumes: [{ path: '/data' }, { path: '/cfg', hostPath: '/srv/cfg', readOnly: true }],
      scale: { replica: 1, cpu: '250m', memory: '512Mi' },
    });
    expect(s.HostConfig).toMatchObject({
      NetworkMode: 'pctl-s',
      RestartPolicy: { Name: 'unless-stopped' },
      Binds: ['s-api-storage:/data', '/srv/cfg:/cfg:ro'],
      NanoCpus: 250_000_000,
      Memory: 512 * 1024 ** 2,
    });
    expect(s.NetworkingConfig).toEqual({ EndpointsConfig: { 'pctl-s': { Aliases: ['api'] } } });
    expect(s.Labels).toEqual({
      'managed-by': 'pctl',
      'pctl-stack': 's',
      'pctl-service': 's-api',
      'pctl-fingerprint': 'f',
    });
  });

  it('has the health check as --health-cmd/--health-interval/--health-retries made it', () => {
    expect(
      spec({ health: { command: 'wget -qO- localhost', interval: 5, retries: 3 } } as Partial<ServiceTarget['service']>)
        .Healthcheck,
    ).toEqual({ Test: ['CMD-SHELL', 'wget -qO- localhost'], Interval: 5e9, Retries: 3, StartPeriod: 0 });
  });

  it('converts sizes and durations as the docker CLI reads them', () => {
    expect([
      memoryBytes('512m'),
      memoryBytes('1g'),
      memoryBytes('64k'),
      memoryBytes('100b'),
      memoryBytes('1.5g'),
    ]).toEqual([512 * 1024 ** 2, 1024 ** 3, 65536, 100, 1.5 * 1024 ** 3]);
    expect([nanoseconds('10s'), nanoseconds('1m30s'), nanoseconds('500ms')]).toEqual([10e9, 90e9, 5e8]);
    expect(() => nanoseconds('ten')).toThrow();
  });
});
