// Ports as the stack file writes them, in Docker's forms: `8080`, `"8080:80"`, `"80/udp"`,
// `"127.0.0.1:8080:80"`, `"[::1]:8080:80"`, ranges `"8000-8002:8000-8002"`. One parser, so the
// loader, the docker provider and Kubernetes rendering read a port the same way.

export interface ParsedPort {
  /** Host address to bind (`127.0.0.1`, `::1`); absent: every address. */
  hostIp?: string;
  /** First published host port; absent when only the container port is given. */
  hostPort?: number;
  /** First container port. */
  containerPort: number;
  protocol: 'tcp' | 'udp';
  /** How many consecutive ports (1 for a single port). */
  range: number;
  /** `"127.0.0.1::80"`: the engine picks a free host port. */
  randomHostPort?: true;
}

/** One published port of a parsed entry (ranges expanded). */
export interface SinglePort {
  hostIp?: string;
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** The pattern a port string must have (ranges and bounds are checked by parsePort). */
export const PORT_PATTERN =
  /^(?:(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):)?(?:\d{1,5}(?:-\d{1,5})?)?:)?\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp))?$/;

/** At most this many ports from one service's ranges (a Kubernetes Service lists each). */
export const MAX_PORTS = 1024;

// A `from[-to]` span, or a message saying what is wrong with it.
function span(text: string, what: string): { first: number; count: number } | string {
  const [a, b] = text.split('-') as [string, string | undefined];
  const first = Number(a);
  const last = b === undefined ? first : Number(b);
  for (const n of [first, last])
    if (!Number.isInteger(n) || n < 1 || n > 65535) return `${what} ${n} is outside 1-65535`;
  if (last < first) return `${what} range ${text} runs backwards`;
  return { first, count: last - first + 1 };
}

/** Parses a port entry; a string result says what is wrong (`"99999:0"`: "host port 99999 is outside 1-65535"). */
export function parsePortEntry(p: unknown): ParsedPort | string {
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 1 || p > 65535) return `port ${p} is outside 1-65535`;
    return { containerPort: p, protocol: 'tcp', range: 1 };
  }
  if (typeof p !== 'string') return 'expected a port number or a string like "8080:80"';
  const s = p.trim();
  if (!PORT_PATTERN.test(s))
    return 'expected a port like 8080, "8080:80", "127.0.0.1:8080:80", "8000-8002:8000-8002" or "53/udp"';
  const [body, proto] = s.split('/') as [string, string | undefined];
  let hostIp: string | undefined;
  let rest = body;
  const ip = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):(.*)$/.exec(body);
  if (ip) {
    hostIp = ip[1]!.replace(/^\[|\]$/g, '');
    rest = ip[2]!;
    if (!ip[1]!.startsWith('[') && hostIp.split('.').some((o) => Number(o) > 255))
      return `host address ${hostIp} is not an IPv4 address`;
  }
  const parts = rest.split(':');
  if (parts.length === 2 && parts[0] === '' && !hostIp)
    return 'an empty host port needs a host address, like "127.0.0.1::80"';
  const randomHostPort = parts.length === 2 && parts[0] === '';
  const host = parts.length === 2 && !randomHostPort ? span(parts[0]!, 'host port') : undefined;
  if (typeof host === 'string') return host;
  const container = span(parts.at(-1)!, 'container port');
  if (typeof container === 'string') return container;
  if (host && host.count !== container.count)
    return `host range ${parts[0]} and container range ${parts[1]} differ in length`;
  const hostPort = host?.first;
  return {
    ...(hostIp ? { hostIp } : {}),
    ...(hostPort !== undefined ? { hostPort } : {}),
    containerPort: container.first,
    protocol: proto === 'udp' ? 'udp' : 'tcp',
    range: container.count,
    ...(randomHostPort ? { randomHostPort: true as const } : {}),
  };
}

/** Parses a port entry that the loader has already validated; throws on an invalid one. */
export function parsePort(p: number | string): ParsedPort {
  const r = parsePortEntry(p);
  if (typeof r === 'string') throw new Error(`invalid port ${JSON.stringify(p)}: ${r}`);
  return r;
}

/** Every single port of an entry, ranges expanded in order. */
export function expandPort(p: ParsedPort): SinglePort[] {
  return Array.from({ length: p.range }, (_, i) => ({
    ...(p.hostIp ? { hostIp: p.hostIp } : {}),
    ...(p.hostPort !== undefined ? { hostPort: p.hostPort + i } : {}),
    containerPort: p.containerPort + i,
    protocol: p.protocol,
  }));
}

/**
 * Problems across one service's ports: a mapping listed twice, a host port bound twice, too many.
 * Two service ports reaching one container port (`3000` and `"8080:3000"`) are not a duplicate.
 */
export function portListIssues(ports: (number | string)[]): { index: number; message: string }[] {
  const issues: { index: number; message: string }[] = [];
  const mappings = new Map<string, number>();
  const hosts = new Map<string, { ip: string; index: number }[]>();
  let total = 0;
  for (const [index, entry] of ports.entries()) {
    const parsed = parsePortEntry(entry);
    if (typeof parsed === 'string') continue;
    total += parsed.range;
    if (total > MAX_PORTS) {
      issues.push({ index, message: `more than ${MAX_PORTS} ports on one service` });
      break;
    }
    for (const one of expandPort(parsed)) {
      const c = `${one.containerPort}/${one.protocol}`;
      const hostPort = parsed.randomHostPort ? '' : String(one.hostPort ?? one.containerPort);
      const mapping = `${one.hostIp ?? '*'}:${hostPort}:${c}`;
      const seenAt = mappings.get(mapping);
      if (seenAt !== undefined) {
        issues.push({
          index,
          message: `container port ${c} is already listed (entry ${seenAt}) with the same host port; list each mapping once`,
        });
        break;
      }
      mappings.set(mapping, index);
      if (parsed.randomHostPort) continue;
      const h = `${hostPort}/${one.protocol}`;
      const ip = one.hostIp ?? '*';
      // Every address (`*`) clashes with any address on that port; two addresses only with the same one.
      const clash = (hosts.get(h) ?? []).find((b) => b.ip === '*' || ip === '*' || b.ip === ip);
      if (clash) {
        issues.push({ index, message: `host port ${h} is already published (entry ${clash.index})` });
        break;
      }
      hosts.set(h, [...(hosts.get(h) ?? []), { ip, index }]);
    }
  }
  return issues;
}
