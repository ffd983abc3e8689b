// The handover of a start-first replacement (rollout.ts): the new container, which passed
// its gate under a temporary name without the service's alias, takes the alias (network
// disconnect, then connect with it), the old one steps aside as `<name>.old` and the new
// one takes the name; the old one then drains in the background (drain.ts: stopped with its
// stop timeout, SIGTERM then SIGKILL, so in-flight work finishes, and removed).
// A run killed in the middle leaves `<name>.next` beside `<name>`, `<name>.next` alone or
// beside `<name>.old`, or `<name>.old` beside `<name>`: the next deploy undoes the first (the
// old one keeps serving) and finishes the others (the new one alone serves), so the alias
// never names two versions once it is done, nor none.
// Endpoint changes go one at a time per network: on Docker 20.10, containers leaving and
// joining one network at once can leave it counting an endpoint that no longer exists, and
// such a network can never be removed ("has active endpoints").
import type { Api } from './api.js';
import { pathPart, statusOf } from './api.js';
import { inspect, listByLabel, removeContainers, stackFilters, type Found } from './containers.js';
import { drainLater, retire } from './drain.js';

/** What a replacement is called until it takes the old one's name: `.` is in no name pctl derives from a stack. */
export const NEXT = '.next';
/** What a replaced container is called while it drains. */
export const OLD = '.old';

// The temporary name of the replacement of `name`.
export const nextName = (name: string) => `${name}${NEXT}`;

// The container leaves the network and joins it again with the alias: an endpoint's aliases
// are set when it joins. Its own connections opened before are reset once, its address changes.
export async function takeAlias(api: Api, p: { net: string; container: string; alias: string }): Promise<void> {
  await onNetwork(p.net, () => moveAlias(api, p));
}

// The new container (`made`, passed its gate) takes the alias, then the old one's name (the
// old one renamed aside first); the old one drains in the background.
export async function handOver(
  api: Api,
  p: { net: string; alias: string; made: { id: string; name: string }; old?: Found; name: string },
): Promise<void> {
  const old = p.old;
  await onNetwork(p.net, async () => {
    await moveAlias(api, { net: p.net, container: p.made.id, alias: p.alias });
    if (!old) return;
    await takeName(api, old.id, `${p.name}${OLD}`);
    await takeName(api, p.made.id, p.name);
  });
  if (old) drainLater(api, { id: old.id, name: `${p.name}${OLD}` });
}

const queues = new Map<string, Promise<unknown>>();
// One endpoint change at a time per network: Docker 20.10 loses count of a network's endpoints when
// several leave and join it at once, and the network can then never be removed ("has active endpoints").
export function onNetwork<T>(net: string, f: () => Promise<T>): Promise<T> {
  const run = (queues.get(net) ?? Promise.resolve()).then(f, f);
  queues.set(
    net,
    run.catch(() => undefined),
  );
  return run;
}

async function moveAlias(api: Api, p: { net: string; container: string; alias: string }): Promise<void> {
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
  // Old containers that were draining (or about to) when a run ended: they finish draining now.
  await retire(
    api,
    found.filter((c) => c.name.endsWith(OLD)),
  );
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
  await onNetwork(p.net, () => takeName(api, temp.id, temp.name.slice(0, -NEXT.length)));
}
