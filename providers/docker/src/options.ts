// The docker provider's `provider.options`, their checks, and the conversions of stack-file
// values (quantities, durations) into the forms Docker takes.
import type { StateEntry } from '@pctl/core';

export interface DockerOptions {
  host?: string;
  user?: string;
  key?: string;
  port?: number;
  sudo?: boolean;
  timeout?: number;
  /** Seconds a container must stay up after it starts (see readiness.ts). */
  settle?: number;
  network?: string;
}

const OPTION_TYPES: Record<keyof DockerOptions, 'string' | 'boolean' | 'number'> = {
  host: 'string',
  user: 'string',
  key: 'string',
  port: 'number',
  sudo: 'boolean',
  timeout: 'number',
  settle: 'number',
  network: 'string',
};

// The options of one service as typed (validateOptions has checked them).
export function options(raw: Record<string, unknown> | undefined): DockerOptions {
  return (raw ?? {}) as DockerOptions;
}

// Problems in one service's options; every value that reaches a command line (ssh's) or
// an engine route is checked for its kind here, so none can be read as an option.
export function validateOptions(raw: Record<string, unknown>): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [k, v] of Object.entries(raw)) {
    const want = OPTION_TYPES[k as keyof DockerOptions];
    if (!want)
      problems.push({ path: [k], message: `unknown option (docker takes: ${Object.keys(OPTION_TYPES).join(', ')})` });
    else if (typeof v !== want) problems.push({ path: [k], message: `must be a ${want}` });
  }
  if (typeof raw.host === 'string' && !/^[\w.-]+$|^\[[0-9a-f:]+\]$/i.test(raw.host))
    problems.push({ path: ['host'], message: 'must be a host name or address' });
  if (typeof raw.host === 'string' && raw.host.startsWith('-'))
    problems.push({ path: ['host'], message: 'must be a host name or address, not start with "-"' });
  if (typeof raw.user === 'string' && !/^[\w.][\w.-]*$/.test(raw.user))
    problems.push({ path: ['user'], message: 'must be a user name' });
  if (typeof raw.key === 'string' && (raw.key === '' || raw.key.startsWith('-') || raw.key.includes('\0')))
    problems.push({ path: ['key'], message: 'must be the path of a key file (not starting with "-")' });
  if (typeof raw.port === 'number' && !(Number.isInteger(raw.port) && raw.port >= 1 && raw.port <= 65535))
    problems.push({ path: ['port'], message: 'must be a port number (1-65535)' });
  if (typeof raw.timeout === 'number' && !(raw.timeout > 0))
    problems.push({ path: ['timeout'], message: 'must be a positive number of seconds' });
  if (typeof raw.settle === 'number' && !(raw.settle >= 0 && raw.settle <= 600))
    problems.push({ path: ['settle'], message: 'must be a number of seconds from 0 to 600' });
  if (typeof raw.network === 'string' && !DOCKER_NAME.test(raw.network))
    problems.push({
      path: ['network'],
      message: 'must be a Docker network name: letters, digits, "_", "." and "-", starting with a letter or digit',
    });
  // Each container gets its service name as a network alias, which Docker allows only on user-defined networks.
  if (typeof raw.network === 'string' && BUILT_IN_NETWORKS.includes(raw.network))
    problems.push({
      path: ['network'],
      message: `"${raw.network}" is one of Docker's own networks, where a container cannot have the alias (its service name) other services reach it by: name a user-defined network, or leave it out for pctl-<stack>`,
    });
  return problems;
}

/** Docker's predefined networks: no network-scoped aliases there. */
const BUILT_IN_NETWORKS = ['host', 'none', 'bridge'];

/** A name Docker accepts for a network, volume or container. */
export const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

// Where a deployed entry lives (its host, user, key, port), as recorded when it was deployed.
// The original pctl recorded the ssh key file as `key`; pctl records it as `sshKey`.
export function entryOptions(entry: StateEntry): DockerOptions {
  const key = typeof entry.sshKey === 'string' ? entry.sshKey : typeof entry.key === 'string' ? entry.key : undefined;
  return {
    host: entry.host && entry.host !== 'local' ? String(entry.host) : undefined,
    user: entry.user as string | undefined,
    key,
    port: entry.sshPort as number | undefined,
    sudo: entry.sudo as boolean | undefined,
  };
}

// Docker CPU limit from a Kubernetes-style quantity: `256m` -> 0.256, `1` -> 1.
export function dockerCpus(q: string | number): string {
  const s = String(q);
  return s.endsWith('m') ? String(Number(s.slice(0, -1)) / 1000) : s;
}

// Docker memory from a quantity: `512Mi` -> 512m, `1Gi` -> 1g, `256M` -> 256m.
export function dockerMemory(q: string | number): string {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(String(q));
  if (!m) return String(q);
  const unit = (m[2] ?? '').toLowerCase().replace('i', '');
  return `${m[1]}${unit === '' ? 'b' : unit === 't' ? 'g' : unit}`.replace(/^(\d+(?:\.\d+)?)g$/, '$1g');
}

// A health-check interval as docker takes it: `10` -> `10s`, `1m` stays.
export function durationSeconds(v: number | string): string {
  if (typeof v === 'number') return `${v}s`;
  return /^\d+$/.test(v) ? `${v}s` : v;
}

// Containers to run: the top of a `[min, max]` range, else the count (default 1).
export function replicaCount(scale: { replica: number | [number, number] } | undefined): number {
  const r = scale?.replica ?? 1;
  return Array.isArray(r) ? r[1] : r;
}

// How long a container must stay up after it starts: `settle`, else 0.5 s, or 0 with a
// health check (its first passing check proves the process stayed up).
export function settleMs(o: DockerOptions, healthCheck: boolean): number {
  return Math.round((o.settle ?? (healthCheck ? 0 : 0.5)) * 1000);
}
