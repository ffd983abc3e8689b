// A service's `ports` as Kubernetes sees them: container ports and Service ports, one name
// per (port, protocol) so no two ports share one, and a refusal when two entries expose
// the same Service port. The entry shapes are Docker's (the config helper's `parsePort`).
import { expandPort, parsePortEntry, PctlError, type SinglePort } from '@pctl/core';

/** One port of a service after parsing, ranges already expanded (the core's shape). */
export type PortSpec = SinglePort;

/** A Service port and the container port it forwards to. */
export interface ServicePort {
  name: string;
  port: number;
  targetPort: number;
  protocol: 'TCP' | 'UDP';
}

// Parses one `ports` entry (validated by the stack file's schema): Docker's forms, a range
// giving one spec per port.
export function parsePortSpec(p: number | string): PortSpec[] {
  const parsed = parsePortEntry(p);
  if (typeof parsed === 'string') {
    throw new PctlError({
      code: 'InvalidConfig',
      fault: 'user',
      message: `invalid port "${p}": ${parsed}`,
      hint: 'write a port like 8080, "8080:80", "127.0.0.1:8080:80", "8000-8002:8000-8002" or "53:53/udp"',
    });
  }
  return expandPort(parsed);
}

/**
 * The Service ports of a service, named `p-<port>` (`p-<port>-udp`): the Service port is
 * the host port when one is given, else the container port. Two entries exposing the same
 * Service port and protocol towards different container ports are an error naming both, so
 * names never repeat; two Service ports may reach one container port (`3000`, `"8080:3000"`).
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
        // `127.0.0.1:8080:80` and `127.0.0.2:8080:80` are one Service port: host addresses are ignored here.
        if (before.target === s.containerPort) continue;
        throw new PctlError({
          code: 'InvalidConfig',
          fault: 'user',
          message: `ports ${JSON.stringify(before.entry)} and ${JSON.stringify(entry)} both expose ${id}`,
          hint: 'list each port once, or give one of them another host port',
        });
      }
      seen.set(id, { entry, target: s.containerPort });
      out.push({
        name: s.protocol === 'udp' ? `p-${port}-udp` : `p-${port}`,
        port,
        targetPort: s.containerPort,
        protocol: s.protocol === 'udp' ? 'UDP' : 'TCP',
      });
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
  const ips = [
    ...new Set(
      ports
        .flatMap((p) => parsePortSpec(p))
        .map((s) => s.hostIp)
        .filter((ip): ip is string => Boolean(ip)),
    ),
  ];
  return ips.length
    ? [`host address ${ips.join(', ')} in ports is ignored on Kubernetes: the Service listens on its cluster address`]
    : [];
}
