// A service's `ports` as Kubernetes sees them: container ports and Service ports, one name
// per (port, protocol) so no two ports share one, and a refusal when two entries expose
// the same Service port. The entry shapes are Docker's (the config helper's `parsePort`).
import { PctlError } from '@pctl/core';

/** One port of a service after parsing, ranges already expanded (the core's `parsePort` shape). */
export interface PortSpec {
  /** Address the host side binds to (`127.0.0.1:8080:80`); Kubernetes has no use for it. */
  hostIp?: string;
  /** Port exposed outside the container (the Service port on Kubernetes). */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** A Service port and the container port it forwards to. */
export interface ServicePort {
  name: string;
  port: number;
  targetPort: number;
  protocol: 'TCP' | 'UDP';
}

function invalid(p: number | string, why: string): PctlError {
  return new PctlError({ code: 'InvalidConfig', fault: 'user', message: `invalid port "${p}": ${why}`, hint: 'write a port like 8080, "8080:80", "127.0.0.1:8080:80", "8000-8002:8000-8002" or "53:53/udp"' });
}

function range(p: number | string, text: string): number[] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) throw invalid(p, `"${text}" is not a port or a range`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  for (const n of [from, to]) if (n < 1 || n > 65535) throw invalid(p, `${n} is outside 1-65535`);
  if (to < from) throw invalid(p, `the range ${text} runs backwards`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * Parses one `ports` entry: `8080`, `"8080"`, `"80:9090"`, `"127.0.0.1:8080:80"`,
 * `"[::1]:8080:80"`, `"127.0.0.1::80"`, `"8000-8002:8000-8002"`, `"8000-8002"`, each with
 * an optional `/tcp` or `/udp`; a range gives one spec per port.
 */
export function parsePortSpec(p: number | string): PortSpec[] {
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw invalid(p, `${p} is outside 1-65535`);
    return [{ containerPort: p, protocol: 'tcp' }];
  }
  const m = /^(?:(?:(\[[0-9A-Fa-f:.]+\]|[0-9.]+):)?([\d-]*):)?([\d-]+)(?:\/(tcp|udp))?$/i.exec(p.trim());
  if (!m) throw invalid(p, 'expected [ip:][host:]container[/tcp|/udp]');
  const protocol = (m[4]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp';
  const hostIp = m[1]?.replace(/^\[|\]$/g, '');
  const containers = range(p, m[3]!);
  const hosts = m[2] ? range(p, m[2]) : undefined;
  if (hosts && hosts.length !== containers.length) throw invalid(p, `the host range has ${hosts.length} ports and the container range ${containers.length}`);
  return containers.map((containerPort, i) => ({
    ...(hostIp ? { hostIp } : {}),
    ...(hosts ? { hostPort: hosts[i]! } : {}),
    containerPort,
    protocol,
  }));
}

/**
 * The Service ports of a service, named `p-<port>` (`p-<port>-udp`): the Service port is
 * the host port when one is given, else the container port. Two entries exposing the same
 * Service port and protocol are an error naming both, so names never repeat.
 */
export function servicePorts(ports: readonly (number | string)[]): ServicePort[] {
  const seen = new Map<string, { entry: number | string; target: number }>();
  const out: ServicePort[] = [];
  for (const entry of ports) {
    for (const s of parsePortSpec(entry)) {
      const port = s.hostPort ?? s.containerPort;
      const id = `${port}/${s.protocol}`;
      const before = seen.get(id);
      if (before) {
        if (before.target === s.containerPort && String(before.entry) === String(entry)) continue;
        throw new PctlError({
          code: 'InvalidConfig',
          fault: 'user',
          message: `ports ${JSON.stringify(before.entry)} and ${JSON.stringify(entry)} both expose ${id}`,
          hint: 'list each port once, or give one of them another host port',
        });
      }
      seen.set(id, { entry, target: s.containerPort });
      out.push({ name: s.protocol === 'udp' ? `p-${port}-udp` : `p-${port}`, port, targetPort: s.containerPort, protocol: s.protocol === 'udp' ? 'UDP' : 'TCP' });
    }
  }
  return out;
}

/** The container's ports: one per distinct (container port, protocol). */
export function containerPorts(ports: readonly ServicePort[]): { containerPort: number; protocol: 'TCP' | 'UDP' }[] {
  const seen = new Set<string>();
  const out: { containerPort: number; protocol: 'TCP' | 'UDP' }[] = [];
  for (const p of ports) {
    const id = `${p.targetPort}/${p.protocol}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ containerPort: p.targetPort, protocol: p.protocol });
  }
  return out;
}

/** Notes for `pctl plan`: what of `ports` Kubernetes does not use. */
export function portNotes(ports: readonly (number | string)[]): string[] {
  const ips = [...new Set(ports.flatMap((p) => parsePortSpec(p)).map((s) => s.hostIp).filter((ip): ip is string => Boolean(ip)))];
  return ips.length ? [`host address ${ips.join(', ')} in ports is ignored on Kubernetes: the Service listens on its cluster address`] : [];
}
