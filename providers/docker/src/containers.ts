// A service's containers: their names, how they are found (by the stack's and the
// service's labels together, never one alone), inspected and removed through the Engine API.
import { runPool } from '@pctl/core';
import type Docker from 'dockerode';
import { messageOf, pathPart, statusOf, type Api } from './api.js';
import { containerRemovals } from './engineSlots.js';

/** How many engine calls of one kind run at once: inspections per service, container removals per engine. */
export const PARALLEL = 8;

// `<key>` for one replica, `<key>-1`, `<key>-2`, ... for more.
export function containerNames(key: string, n: number): string[] {
  return n === 1 ? [key] : Array.from({ length: n }, (_, i) => `${key}-${i + 1}`);
}

// The label filters of one stack's resources, or of one service of it (always with the
// stack's label: stacks are isolated). An empty key is a service's too: it never widens
// the filter to the whole stack (a half-labelled object would be taken).
export function stackFilters(stack: string, key?: string): string[] {
  return ['managed-by=pctl', `pctl-stack=${stack}`, ...(key !== undefined ? [`pctl-service=${key}`] : [])];
}

/** A container, volume or network found by its labels. */
export interface Found {
  name: string;
  id: string;
  /** Its pctl-service label. */
  key: string;
  /** A container's image, as it was created with (a reference, or an ID). */
  image?: string;
}

// The containers, volumes or networks carrying every one of these labels, sorted by name.
export async function listByLabel(
  api: Api,
  kind: 'container' | 'volume' | 'network',
  labels: string[],
  running = false,
): Promise<Found[]> {
  const filters = JSON.stringify({ label: labels, ...(running ? { status: ['running'] } : {}) });
  const route = `GET /${kind}s${kind === 'container' ? '/json' : ''}?filters=${filters}`;
  let found: Found[];
  if (kind === 'container') {
    const list = await api.call(route, 'listing containers', (d) => d.listContainers({ all: !running, filters }));
    found = list.map((c) => ({
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      id: c.Id,
      key: c.Labels?.['pctl-service'] ?? '',
      image: c.Image,
    }));
  } else if (kind === 'volume') {
    const list = await api.call(route, 'listing volumes', (d) => d.listVolumes({ filters }));
    found = (list.Volumes ?? []).map((v) => ({ name: v.Name, id: v.Name, key: v.Labels?.['pctl-service'] ?? '' }));
  } else {
    const list = await api.call(route, 'listing networks', (d) => d.listNetworks({ filters }));
    found = list.map((n) => ({ name: n.Name, id: n.Id, key: n.Labels?.['pctl-service'] ?? '' }));
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export type Inspect = Docker.ContainerInspectInfo;

// The inspection of these containers (names or ids); missing ones are left out.
export async function inspect(api: Api, names: string[]): Promise<Inspect[]> {
  const all = await runPool(names, PARALLEL, async (name) => {
    api.log(`GET /containers/${pathPart(name)}/json`);
    try {
      return await api.docker.getContainer(pathPart(name)).inspect();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw api.fail(e, 'inspecting containers');
    }
  });
  return all.filter((s): s is Inspect => s !== undefined);
}

// Removes these containers (names or ids) and their anonymous volumes, several at once and
// at most PARALLEL on one engine, whichever services ask (destroy runs many at once). One
// whose removal another run started (a pctl killed mid-way leaves its removal running) is
// waited for with the engine's wait endpoint (condition `removed`), not by polling.
export async function removeContainers(api: Api, names: string[]): Promise<void> {
  const removals = containerRemovals(api.engine, PARALLEL);
  await Promise.all(
    names.map((name) =>
      removals.run(async () => {
        const c = api.docker.getContainer(pathPart(name));
        api.log(`DELETE /containers/${pathPart(name)}?force=1&v=1`);
        try {
          await c.remove({ force: true, v: true });
          return;
        } catch (e) {
          if (statusOf(e) === 404) return;
          if (!(statusOf(e) === 409 && /already in progress/.test(messageOf(e))))
            throw api.fail(e, `removing container ${name}`);
        }
        api.log(`POST /containers/${pathPart(name)}/wait?condition=removed`);
        try {
          await c.wait({ condition: 'removed' });
        } catch (e) {
          if (statusOf(e) !== 404) throw api.fail(e, `waiting for the removal of ${name}`);
        }
      }),
    ),
  );
}
