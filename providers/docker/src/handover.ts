// The handover of a start-first replacement (rollout.ts): the new container, which passed
// its gate under a temporary name without the service's alias, takes the alias (network
// disconnect, then connect with it), the old one is stopped with its stop timeout (SIGTERM,
// then SIGKILL: in-flight work drains) and removed, and the new one takes the old name.
// A run killed in the middle leaves `<name>.next` beside `<name>` or alone: the next
// deploy undoes the first (the old one keeps serving) and finishes the second (the new
// one alone serves), so the alias never names two versions, nor none.
import type { Api } from './api.js';
import { pathPart, statusOf } from './api.js';
import { inspect, listByLabel, removeContainers, stackFilters, type Found } from './containers.js';

/** What a replacement is called until it takes the old one's name: `.` is in no name pctl derives from a stack. */
export const NEXT = '.next';

// The temporary name of the replacement of `name`.
export const nextName = (name: string) => `${name}${NEXT}`;

// The container leaves the network and joins it again with the alias: an endpoint's aliases
// are set when it joins. Its own connections opened before are reset once, its address changes.
export async function takeAlias(api: Api, p: { net: string; container: string; alias: string }): Promise<void> {
  const network = api.docker.getNetwork(pathPart(p.net));
  await api.call(
    `POST /networks/${pathPart(p.net)}/disconnect (${p.container})`,
    `moving ${p.container} to the service's alias`,
    () => network.disconnect({ Container: p.container, Force: true }),
  );
  await api.call(
    `POST /networks/${pathPart(p.net)}/connect (${p.container})`,
    `giving ${p.container} the alias ${p.alias}`,
    () => network.connect({ Container: p.container, EndpointConfig: { Aliases: [p.alias] } }),
  );
}

// Stops a container with its own stop timeout (the engine's: SIGTERM, then SIGKILL) and removes it.
export async function retire(api: Api, containers: { id: string; name: string }[]): Promise<void> {
  await Promise.all(
    containers.map(async (c) => {
      api.log(`POST /containers/${pathPart(c.name)}/stop`);
      try {
        await api.docker.getContainer(c.id).stop();
      } catch (e) {
        // 304: already stopped; 404: already gone.
        if (statusOf(e) !== 304 && statusOf(e) !== 404) throw api.fail(e, `stopping ${c.name}`);
      }
    }),
  );
  await removeContainers(
    api,
    containers.map((c) => c.id),
  );
}

// Stops a container (kept: it comes back if its replacement fails).
export async function stopKept(api: Api, c: { id: string; name: string }): Promise<void> {
  api.log(`POST /containers/${pathPart(c.name)}/stop`);
  try {
    await api.docker.getContainer(c.id).stop();
  } catch (e) {
    if (statusOf(e) !== 304) throw api.fail(e, `stopping ${c.name}`);
  }
}

// Starts again a container that was stopped for its replacement.
export async function restartKept(api: Api, c: { id: string; name: string }): Promise<void> {
  api.log(`POST /containers/${pathPart(c.name)}/start`);
  try {
    await api.docker.getContainer(c.id).start();
  } catch (e) {
    if (statusOf(e) !== 304) throw api.fail(e, `starting ${c.name} again`);
  }
}

// The replacement takes the old container's name.
export async function takeName(api: Api, from: string, to: string): Promise<void> {
  await api.call(`POST /containers/${pathPart(from)}/rename?name=${pathPart(to)}`, `renaming ${from} to ${to}`, (d) =>
    d.getContainer(pathPart(from)).rename({ name: to }),
  );
}

// Finishes or undoes the handovers a killed run left for this service (see the top).
export async function recoverHandovers(
  api: Api,
  p: { stack: string; key: string; net: string; alias: string },
): Promise<void> {
  const found = await listByLabel(api, 'container', stackFilters(p.stack, p.key));
  const byName = new Map(found.map((c) => [c.name, c]));
  for (const temp of found.filter((c) => c.name.endsWith(NEXT))) {
    const old = byName.get(temp.name.slice(0, -NEXT.length));
    if (old) await undo(api, temp, old);
    else await finish(api, temp, p);
  }
}

// The old container is still there: the replacement goes, the old one serves (started again if it was stopped for it).
async function undo(api: Api, temp: Found, old: Found): Promise<void> {
  await removeContainers(api, [temp.id]);
  const [state] = await inspect(api, [old.id]);
  if (state && !state.State.Running) await restartKept(api, old);
}

// The old container is gone: the replacement is the service now, under its alias and name.
async function finish(api: Api, temp: Found, p: { net: string; alias: string }): Promise<void> {
  const [state] = await inspect(api, [temp.id]);
  if (!state?.State.Running) {
    await removeContainers(api, [temp.id]);
    return;
  }
  const aliases = state.NetworkSettings.Networks?.[p.net]?.Aliases ?? [];
  if (!aliases.includes(p.alias)) await takeAlias(api, { net: p.net, container: temp.id, alias: p.alias });
  await takeName(api, temp.id, temp.name.slice(0, -NEXT.length));
}
