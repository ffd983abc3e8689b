// What deploy would give a container, in the units `docker inspect` records it: port
// bindings, memory in bytes, durations in nanoseconds (checkConfig compares them).
import { expandPort, parsePort } from '@pctl/core';

// `"<container>/<proto>"` -> `"<host ip>:<host port>"` as the engine records `-p` bindings.
export function expectedPorts(ports: (number | string)[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of ports ?? []) {
    const p = parsePort(entry);
    for (const one of expandPort(p))
      (out[`${one.containerPort}/${one.protocol}`] ??= []).push(
        `${one.hostIp ?? ''}:${p.randomHostPort ? '' : (one.hostPort ?? one.containerPort)}`,
      );
  }
  return out;
}

// Bytes of a docker memory value (`512m`, `1g`, `100b`); NaN when it is not one.
export function memoryBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg])?$/.exec(v);
  if (!m) return Number.NaN;
  return Math.floor(Number(m[1]) * 1024 ** 'bkmg'.indexOf(m[2] ?? 'b'));
}

// Nanoseconds of a duration as docker takes it (`10s`, `1m`, `500ms`, `1h`).
export function durationNs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (!m) return Number.NaN;
  return Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}
