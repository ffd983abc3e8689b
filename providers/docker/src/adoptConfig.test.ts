import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '@pctl/core';
import { checkConfig, type ConfigCheck, type ContainerInfo, type ImageInfo } from './adoptConfig.js';

const image: ImageInfo = {
  Id: 'sha256:i',
  Config: { Env: ['PATH=/bin'], Cmd: ['sh'], Entrypoint: null, Volumes: { '/cache': {} } },
};
const svc = (over: Partial<ServiceConfig> = {}) =>
  ({ provider: { name: 'docker', options: {} }, image: 'busybox', ...over }) as ServiceConfig;
const container = (
  over: Partial<ContainerInfo['Config']> = {},
  host: Partial<ContainerInfo['HostConfig']> = {},
  mounts: ContainerInfo['Mounts'] = [],
): ContainerInfo => ({
  Name: '/s-api',
  Image: 'sha256:i',
  State: { Status: 'running', Running: true },
  Config: { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh', '-c', 'run'], Entrypoint: null, ...over },
  HostConfig: { PortBindings: {}, NanoCpus: 0, Memory: 0, ...host },
  Mounts: mounts,
});
const check = (p: Partial<ConfigCheck>) =>
  checkConfig({
    c: container(),
    svc: svc({ command: 'run', env: { A: '1' } }),
    image,
    first: true,
    volumes: [],
    ports: {},
    nanoCpus: 0,
    memory: 0,
    healthInterval: 0,
    ...p,
  });

describe('a running container against what deploy would run', () => {
  it('matches when command, env (image env merged), ports and mounts are the same', () => {
    expect(check({})).toBeUndefined();
  });

  it('names what differs, and only the names of env variables', () => {
    expect(check({ c: container({ Env: ['PATH=/bin', 'A=secret-value'] }) })).toBe('its environment differs in A');
    expect(check({ c: container({ Cmd: ['sh', '-c', 'other'] }) })).toBe('it runs another command than the service');
    expect(check({ c: container({}, { Memory: 1 }) })).toBe('its memory limit differs from the service');
  });

  it('compares published ports on the first container only, as deploy publishes them', () => {
    const bound = container({}, { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] } });
    expect(check({ c: bound, ports: { '80/tcp': ['127.0.0.1:8080'] } })).toBeUndefined();
    expect(check({ c: bound, ports: { '80/tcp': [':8080'] } })).toMatch(
      /publishes 80\/tcp=127.0.0.1:8080, the service asks for 80\/tcp=:8080/,
    );
    expect(check({ c: container(), first: false, ports: { '80/tcp': [':8080'] } })).toBeUndefined();
  });

  it("ignores the image's anonymous volumes, not a missing named one", () => {
    const anon = [{ Type: 'volume', Name: 'f00', Source: '/x', Destination: '/cache', RW: true }];
    expect(check({ c: container({}, {}, anon) })).toBeUndefined();
    const named = [{ Type: 'volume', Name: 's-api-storage', Source: '/y', Destination: '/data', RW: true }];
    expect(check({ c: container({}, {}, named), volumes: [{ name: 's-api-storage', path: '/data' }] })).toBeUndefined();
    expect(check({ c: container({}, {}, anon), volumes: [{ name: 's-api-storage', path: '/data' }] })).toMatch(
      /mounts nothing, the service asks for volume s-api-storage at \/data/,
    );
  });

  it('wants the health check the service asks for', () => {
    const health = { interval: 5, command: 'true', retries: 3, onfailure: 'restart' as const };
    const hc = { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 3 };
    const s = svc({ command: 'run', env: { A: '1' }, health });
    expect(check({ svc: s, c: container({ Healthcheck: hc }), healthInterval: 5e9 })).toBeUndefined();
    expect(check({ svc: s, c: container({ Healthcheck: { ...hc, Retries: 5 } }), healthInterval: 5e9 })).toBe(
      'its health check differs from the service',
    );
    expect(check({ c: container({ Healthcheck: hc }) })).toBe('it has a health check the service does not ask for');
  });
});
