// Whether one running container has the configuration deploy's `docker run` would give it
// (runArgs): command, environment, ports, mounts, CPU and memory limits, health check.
import type { ServiceConfig } from '@pctl/core';

/** A health check as the engine records it (durations in nanoseconds). */
export interface Healthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The parts of `docker inspect` of a container that adoption compares. */
export interface ContainerInfo {
  Name: string;
  Image: string;
  State: { Status: string; Running: boolean; Restarting?: boolean; Health?: { Status: string } };
  Config: {
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Healthcheck?: Healthcheck | null;
  };
  HostConfig: {
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    NanoCpus?: number;
    Memory?: number;
    RestartPolicy?: { Name: string };
  };
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[] | null;
  NetworkSettings?: { Networks?: Record<string, { Aliases?: string[] | null }> | null };
}

/** The parts of `docker image inspect` adoption compares. */
export interface ImageInfo {
  Id: string;
  RootFS?: { Layers?: string[] };
  Config?: Record<string, unknown> & {
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Volumes?: Record<string, unknown> | null;
    Healthcheck?: Healthcheck | null;
  };
}

/** One container and what deploy would give it. */
export interface ConfigCheck {
  c: ContainerInfo;
  svc: ServiceConfig;
  /** The image the container runs. */
  image: ImageInfo;
  /** The first container is the one that publishes the ports. */
  first: boolean;
  /** Named volumes deploy mounts: `<key>-storage[-i]`. */
  volumes: { name: string; path: string }[];
  ports: Record<string, string[]>;
  nanoCpus: number;
  memory: number;
  healthInterval: number;
}

const list = (v: string[] | null | undefined) => v ?? [];
/** Whether two values of `docker inspect` are equal (absent and null alike). */
export const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// `NAME=value` lines as a map (the first `=` ends the name).
function envMap(lines: string[]): Map<string, string> {
  return new Map(
    lines.map((l) => [
      l.slice(0, l.includes('=') ? l.indexOf('=') : l.length),
      l.includes('=') ? l.slice(l.indexOf('=') + 1) : '',
    ]),
  );
}

function envDiff(c: ContainerInfo, image: ImageInfo, svc: ServiceConfig): string | undefined {
  const want = envMap(list(image.Config?.Env));
  for (const [k, v] of Object.entries(svc.env ?? {})) want.set(k, String(v));
  const have = envMap(list(c.Config.Env));
  const names = [...new Set([...want.keys(), ...have.keys()])].filter((k) => want.get(k) !== have.get(k)).sort();
  // Names only: values may be secrets.
  return names.length ? `its environment differs in ${names.join(', ')}` : undefined;
}

function portsDiff(c: ContainerInfo, want: Record<string, string[]>): string | undefined {
  const have: Record<string, string[]> = {};
  for (const [k, bindings] of Object.entries(c.HostConfig.PortBindings ?? {})) {
    if (bindings?.length) have[k] = bindings.map((b) => `${b.HostIp}:${b.HostPort}`).sort();
  }
  const sorted = (m: Record<string, string[]>) =>
    Object.keys(m)
      .sort()
      .map((k) => `${k}=${[...m[k]!].sort().join(',')}`);
  return same(sorted(have), sorted(want))
    ? undefined
    : `it publishes ${sorted(have).join(' ') || 'no ports'}, the service asks for ${sorted(want).join(' ') || 'none'}`;
}

function mountsDiff(p: ConfigCheck): string | undefined {
  const want = [
    ...p.volumes.map((v) => `volume ${v.name} at ${v.path}`),
    ...(p.svc.volumes ?? []).flatMap((v) =>
      v.hostPath === undefined ? [] : [`bind ${v.hostPath} at ${v.path}${v.readOnly ? ' (ro)' : ''}`],
    ),
  ].sort();
  const anonymous = new Set(Object.keys(p.image.Config?.Volumes ?? {}));
  const have = (p.c.Mounts ?? [])
    .filter(
      (m) =>
        !(m.Type === 'volume' && anonymous.has(m.Destination) && !want.some((w) => w.endsWith(` at ${m.Destination}`))),
    )
    .map((m) =>
      m.Type === 'volume'
        ? `volume ${m.Name} at ${m.Destination}`
        : `${m.Type} ${m.Source} at ${m.Destination}${m.RW ? '' : ' (ro)'}`,
    )
    .sort();
  return same(have, want)
    ? undefined
    : `it mounts ${have.join(', ') || 'nothing'}, the service asks for ${want.join(', ') || 'nothing'}`;
}

function healthDiff(p: ConfigCheck): string | undefined {
  const hc = p.c.Config.Healthcheck ?? undefined;
  const h = p.svc.health;
  if (!h)
    return same(hc, p.image.Config?.Healthcheck ?? undefined)
      ? undefined
      : 'it has a health check the service does not ask for';
  const ok =
    hc &&
    same(hc.Test, ['CMD-SHELL', h.command]) &&
    hc.Interval === p.healthInterval &&
    hc.Retries === h.retries &&
    !hc.Timeout &&
    !hc.StartPeriod;
  return ok ? undefined : 'its health check differs from the service'.concat(hc ? '' : ' (it has none)');
}

// What differs between the container and what deploy would run; undefined when nothing.
export function checkConfig(p: ConfigCheck): string | undefined {
  const { c, svc, image } = p;
  if (!same(list(c.Config.Entrypoint), list(image.Config?.Entrypoint))) return 'its entrypoint differs from the image';
  const cmd = svc.command !== undefined ? ['sh', '-c', svc.command] : list(image.Config?.Cmd);
  if (!same(list(c.Config.Cmd), cmd))
    return svc.command !== undefined
      ? 'it runs another command than the service'
      : 'it runs another command than the image';
  if ((c.HostConfig.NanoCpus ?? 0) !== p.nanoCpus) return 'its CPU limit differs from the service';
  if ((c.HostConfig.Memory ?? 0) !== p.memory) return 'its memory limit differs from the service';
  return envDiff(c, image, svc) ?? portsDiff(c, p.first ? p.ports : {}) ?? mountsDiff(p) ?? healthDiff(p);
}
