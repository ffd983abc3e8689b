// The Engine API body that creates one container of a service: the configuration
// `docker run` produced from the same flags (ports, env, volumes, network and alias,
// restart policy, resources, healthcheck, command, labels). Every stack-file value is a
// JSON string or number in this body: none is ever parsed as an option by anything.
import { expandPort, parsePort, type ServiceTarget } from '@pctl/core';
import type Docker from 'dockerode';
import { dockerCpus, dockerMemory, durationSeconds } from './options.js';

export interface SpecParams {
  target: ServiceTarget;
  /** The stack's network. */
  net: string;
  /** Only the first replica publishes fixed host ports (two containers cannot bind one). */
  first: boolean;
  /** Named volumes of `{path}` entries. */
  volumes: { name: string; path: string }[];
  /** False for a start-first replacement: it takes the service's alias only once it passed its gate (handover.ts). */
  alias?: boolean;
}

// The create body (POST /containers/create) of one container.
export function createSpec(p: SpecParams): Docker.ContainerCreateOptions {
  const svc = p.target.service;
  const ports = p.first ? portBindings(svc.ports) : undefined;
  return {
    Image: p.target.image.ref,
    ...(svc.command !== undefined ? { Cmd: ['sh', '-c', svc.command] } : {}),
    // Values travel as data in the request body: never on a command line, never in a file.
    Env: Object.entries(svc.env ?? {}).map(([name, value]) => `${name}=${String(value)}`),
    Labels: { ...p.target.labels, 'pctl-fingerprint': p.target.fingerprint },
    ...(ports ? { ExposedPorts: Object.fromEntries(Object.keys(ports).map((k) => [k, {}])) } : {}),
    ...(svc.health
      ? {
          Healthcheck: {
            Test: ['CMD-SHELL', svc.health.command],
            Interval: nanoseconds(durationSeconds(svc.health.interval)),
            Retries: svc.health.retries,
            StartPeriod: 0,
          },
        }
      : {}),
    HostConfig: {
      NetworkMode: p.net,
      RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
      // As `-v name:path` and `-v host:path[:ro]` do (a missing host folder is created).
      Binds: [
        ...p.volumes.map((v) => `${v.name}:${v.path}`),
        ...(svc.volumes ?? []).flatMap((v) =>
          v.hostPath === undefined ? [] : [`${v.hostPath}:${v.path}${v.readOnly ? ':ro' : ''}`],
        ),
      ],
      ...(ports ? { PortBindings: ports } : {}),
      ...(svc.scale?.cpu !== undefined ? { NanoCpus: Math.round(Number(dockerCpus(svc.scale.cpu)) * 1e9) } : {}),
      ...(svc.scale?.memory !== undefined ? { Memory: memoryBytes(dockerMemory(svc.scale.memory)) } : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [p.net]: p.alias === false ? {} : { Aliases: [p.target.name] } } },
  };
}

// `PortBindings` as `-p [ip:][host:]container[/proto]` makes them, ranges one port each;
// a port with no host part binds the same host port, `ip::port` a random one.
function portBindings(
  entries: (number | string)[] | undefined,
): Record<string, { HostIp: string; HostPort: string }[]> | undefined {
  if (!entries?.length) return undefined;
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const entry of entries) {
    const parsed = parsePort(entry);
    for (const one of expandPort(parsed)) {
      const hostPort = parsed.randomHostPort ? '' : String(one.hostPort ?? one.containerPort);
      (out[`${one.containerPort}/${one.protocol}`] ??= []).push({ HostIp: one.hostIp ?? '', HostPort: hostPort });
    }
  }
  return out;
}

// Bytes of a docker memory size (`512m`, `1g`, `64k`, `100b`): binary units, as `--memory` reads them.
export function memoryBytes(size: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg])?$/i.exec(size);
  if (!m) throw new Error(`invalid memory size ${size}`);
  const power = { b: 0, k: 1, m: 2, g: 3 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * 1024 ** power);
}

// Nanoseconds of a Go duration (`10s`, `1m30s`, `500ms`), as `--health-interval` reads it.
export function nanoseconds(duration: string): number {
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  const rest = duration.replace(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g, (_, n: string, u: string) => {
    total += Number(n) * unit[u]!;
    return '';
  });
  if (rest !== '' || duration === '') throw new Error(`invalid duration ${duration}`);
  return Math.round(total);
}
