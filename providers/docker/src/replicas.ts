// A service's replicas as the inner-loop verbs see them: its containers (found by the
// stack's and the service's labels), each named by its number (`web-2` is replica 2, a
// lone `web` is 1), and the one a command runs in.
import { PctlError, resourceName, serviceOfKey, type ProviderContext, type StateEntry } from '@pctl/core';
import { connect, type Api } from './api.js';
import { inspect, listByLabel, stackFilters, type Inspect } from './containers.js';
import { entryOptions, options } from './options.js';

export interface Replica {
  /** `1`, `2`, ...: stable across the container's restarts and the service's redeploys. */
  name: string;
  container: string;
  id: string;
  state: Inspect;
}

// The engine a deployed service runs on (the entry's host), else the one its options name.
export function serviceApi(ctx: ProviderContext, key: string, entry?: StateEntry): Promise<Api> {
  const o =
    entry && !entry.destroyed
      ? entryOptions(entry)
      : options(ctx.config.services[serviceOfKey(ctx.stack, key) ?? '']?.provider.options);
  return connect(ctx, o);
}

// The replica number of a container of the service (its name without the service's prefix).
export function replicaName(ctx: ProviderContext, key: string, name: string): string {
  const base = resourceName(ctx.stack, serviceOfKey(ctx.stack, key) ?? key);
  // A start-first replacement and the container it replaces are the same replica
  // (`web.next` before it takes the name, `web.old` while it drains: handover.ts).
  const container = name.replace(/\.(next|old|proof)$/, '');
  if (container === base || container === key) return '1';
  for (const prefix of [`${base}-`, `${key}-`])
    if (container.startsWith(prefix) && /^\d+$/.test(container.slice(prefix.length)))
      return container.slice(prefix.length);
  return name;
}

// Every container of the service (running or not), inspected, by replica number.
export async function serviceReplicas(api: Api, ctx: ProviderContext, key: string): Promise<Replica[]> {
  const found = await listByLabel(api, 'container', stackFilters(ctx.stack, key));
  const states = await inspect(
    api,
    found.map((c) => c.id),
  );
  return states
    .map((state) => {
      const container = state.Name.replace(/^\//, '');
      return { name: replicaName(ctx, key, container), container, id: state.Id, state };
    })
    .sort((a, b) => Number(a.name) - Number(b.name) || a.name.localeCompare(b.name));
}

// The running replica a command goes to: number `n`, else the first running (healthy first).
export async function pickReplica(api: Api, ctx: ProviderContext, key: string, n?: number): Promise<Replica> {
  const all = await serviceReplicas(api, ctx, key);
  const running = all.filter((r) => r.state.State.Running && !r.state.State.Restarting);
  const service = serviceOfKey(ctx.stack, key) ?? key;
  if (n !== undefined) {
    const r = all.find((x) => x.name === String(n));
    if (!r)
      throw new PctlError({
        code: 'ReplicaNotFound',
        message: `service ${service} has no replica ${n} (replicas: ${all.map((x) => x.name).join(', ') || 'none'})`,
        fault: 'user',
        exitCode: 1,
        hint: 'pctl status shows the replicas that run',
      });
    if (!running.includes(r)) throw notRunning(service, `replica ${n} (${r.container}) is ${r.state.State.Status}`);
    return r;
  }
  const ready = running.find((r) => !r.state.State.Health || r.state.State.Health.Status === 'healthy') ?? running[0];
  if (!ready)
    throw notRunning(
      service,
      all.length
        ? `its containers are ${[...new Set(all.map((r) => r.state.State.Status))].join(', ')}`
        : 'it has no container',
    );
  return ready;
}

function notRunning(service: string, why: string): PctlError {
  return new PctlError({
    code: 'NotRunning',
    message: `no running replica of service ${service}: ${why}`,
    fault: 'environment',
    exitCode: 1,
    hint: 'pctl status shows what runs; pctl deploy starts it again',
  });
}
