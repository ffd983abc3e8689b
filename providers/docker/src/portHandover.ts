// The start-first replacement of the container that publishes fixed host ports (the first
// replica, rollout.ts). Two containers cannot bind one host port, and the engine binds a
// container's ports when it joins its first network that is not internal, so:
//  1. a *proof* copy of the new version (the same body without its host ports, named
//     `<name>.proof`, on the stack's network without the service's alias) runs beside the
//     old one and must pass the batch's gate (readiness.ts): a broken version fails there,
//     and the old one never stops;
//  2. the proof goes, and the final container (with its ports) is created and started on
//     an internal network of its own (`<name>.hold`, no port is bound there) while the old
//     one still serves;
//  3. the old one is stopped (not removed) with its stop timeout; the moment the engine
//     reports its `die` (the engine frees the ports before it sends it) the final one joins
//     the stack's network with the alias, which binds the ports: the host port is without
//     a server only for the old one's SIGTERM handling plus that join;
//  4. the final one passes the gate again (up for the settle window from the join, healthy
//     with a health check); should it fail, it is removed and the old one started again;
//     only then does it leave the hold network, and the old one is removed and its name taken.
// A run killed in the middle leaves `<name>.proof` or `<name>.hold` (removed by the next
// deploy) or `<name>.next` beside the stopped old one (handover.ts undoes it: the old one
// starts again).
import type { ServiceTarget } from '@pctl/core';
import type Docker from 'dockerode';
import { bodyOnly, pathPart, statusOf, type Api } from './api.js';
import { listByLabel, removeContainers, stackFilters, type Found } from './containers.js';
import { createSpec } from './createSpec.js';
import { actionOf, type EngineEvent, type EventWatch } from './events.js';
import { retire, stopGracefully } from './drain.js';
import { nextName, onNetwork, restartKept, takeName } from './handover.js';
import { createContainer, portInUse, startContainer } from './launch.js';
import { settleMs, type DockerOptions } from './options.js';
import { waitRunning } from './readiness.js';

/** The name of the gated copy of a port holder's replacement: `.` is in no name pctl derives from a stack. */
export const PROOF = '.proof';
export const proofName = (name: string) => `${name}${PROOF}`;

// True when the container binds a fixed host port (a random one, `ip::port`, can run twice).
export function holdsHostPort(spec: Docker.ContainerCreateOptions): boolean {
  return Object.values(spec.HostConfig?.PortBindings ?? {}).some((bindings) =>
    (bindings as { HostPort?: string }[]).some((b) => Boolean(b.HostPort)),
  );
}

// The proof copy's body: the same container without host ports.
export function withoutHostPorts(spec: Docker.ContainerCreateOptions): Docker.ContainerCreateOptions {
  const { PortBindings: _, ...host } = spec.HostConfig ?? {};
  return { ...spec, HostConfig: host };
}

/** What the handover needs of rollout.ts's parameters. */
export interface PortParams {
  target: ServiceTarget;
  o: DockerOptions;
  net: string;
  volumes: { name: string; path: string }[];
}

export interface PortSlot {
  /** The final name. */
  name: string;
  /** The container of that name it replaces, if any. */
  old?: Found;
  /** The old container holding the host ports. */
  holder: Found;
  /** The proof copy, which passed its gate. */
  proof: { id: string; name: string };
}

// The final container's body: its ports, on the hold network only (it joins the stack's later).
export function onHold(spec: Docker.ContainerCreateOptions, hold: string): Docker.ContainerCreateOptions {
  return {
    ...spec,
    HostConfig: { ...spec.HostConfig, NetworkMode: hold },
    NetworkingConfig: { EndpointsConfig: { [hold]: {} } },
  };
}

// Steps 2 to 4 (see the top): the proof passed its gate.
export async function handOverPort(
  api: Api,
  p: PortParams & { stack: string },
  slot: PortSlot,
  subscribe: () => Promise<EventWatch>,
): Promise<void> {
  const { target } = p;
  const name = slot.old ? nextName(slot.name) : slot.name;
  const hold = holdName(slot.name);
  const held = onHold(createSpec({ target, net: p.net, first: true, volumes: p.volumes }), hold);
  await Promise.all([removeContainers(api, [slot.proof.id]), createHold(api, p.stack, target.key, hold)]);
  const watch = await subscribe();
  let made: { id: string } | undefined;
  try {
    const container = await createContainer(api, name, held);
    made = container;
    await startContainer(api, container, name, target);
    const events = await stopUntilDie(api, watch, slot.holder);
    await joinStack(api, { net: p.net, container: container.id, alias: target.name }).catch((e: unknown) => {
      throw portInUse(target, e) ?? e;
    });
    await waitRunning(
      api,
      replay(events, watch),
      {
        key: target.key,
        containers: [{ id: container.id, name, startedAt: Date.now() }],
        healthCheck: Boolean(target.service.health),
        timeoutMs: (p.o.timeout ?? 60) * 1000,
        settleMs: settleMs(p.o, Boolean(target.service.health)),
      },
      subscribe,
    );
  } catch (e) {
    if (made) await removeContainers(api, [made.id]);
    await restartKept(api, slot.holder);
    await removeHold(api, hold);
    throw e;
  } finally {
    watch.close();
  }
  await leaveHold(api, hold, made.id);
  await removeHold(api, hold);
  if (!slot.old) return;
  await retire(api, [slot.old]);
  await takeName(api, made.id, slot.name);
}

/** The internal network a port holder's replacement waits on. */
export const HOLD = '.hold';
const holdName = (name: string) => `${name}${HOLD}`;

// The hold network: internal (the engine binds no host port for it), with the service's labels.
async function createHold(api: Api, stack: string, key: string, name: string): Promise<void> {
  await removeHold(api, name);
  const labels = Object.fromEntries(stackFilters(stack, key).map((l) => l.split('=') as [string, string]));
  await api.call(`POST /networks/create (${name})`, `creating network ${name}`, (d) =>
    d.createNetwork(bodyOnly({ Name: name, Internal: true, CheckDuplicate: true, Labels: labels })),
  );
}

// Removes a hold network (gone already: nothing to do).
async function removeHold(api: Api, name: string): Promise<void> {
  try {
    api.log(`DELETE /networks/${pathPart(name)}`);
    await api.docker.getNetwork(pathPart(name)).remove();
  } catch (e) {
    if (statusOf(e) !== 404) throw api.fail(e, `removing network ${name}`);
  }
}

// The replacement joins the stack's network with the service's alias: the engine binds its ports now.
async function joinStack(api: Api, p: { net: string; container: string; alias: string }): Promise<void> {
  await onNetwork(p.net, () =>
    api.call(
      `POST /networks/${pathPart(p.net)}/connect (${p.container})`,
      `giving ${p.container} the alias ${p.alias}`,
      (d) => d.getNetwork(pathPart(p.net)).connect({ Container: p.container, EndpointConfig: { Aliases: [p.alias] } }),
    ),
  );
}

async function leaveHold(api: Api, hold: string, container: string): Promise<void> {
  await onNetwork(hold, () =>
    api.call(`POST /networks/${pathPart(hold)}/disconnect (${container})`, `leaving ${hold}`, (d) =>
      d.getNetwork(pathPart(hold)).disconnect({ Container: container, Force: true }),
    ),
  );
}

// Removes what a killed run left: proof copies and hold networks (after recoverHandovers,
// so no container is attached to them any more).
export async function removeLeftovers(api: Api, stack: string, key: string): Promise<void> {
  const found = await listByLabel(api, 'container', stackFilters(stack, key));
  const proofs = found.filter((c) => c.name.endsWith(PROOF));
  if (proofs.length)
    await removeContainers(
      api,
      proofs.map((c) => c.id),
    );
  const nets = await listByLabel(api, 'network', stackFilters(stack, key));
  for (const n of nets.filter((n) => n.name.endsWith(HOLD))) await removeHold(api, n.name);
}

// Stops the holder (kept) and returns as soon as the engine reports its `die` (or the stop
// call returns, should the event stream have ended), with the other events it read.
async function stopUntilDie(api: Api, watch: EventWatch, holder: Found): Promise<EngineEvent[]> {
  const seen: EngineEvent[] = [];
  let done = false;
  let failed: unknown;
  // Kept (not removed): it comes back if its replacement fails.
  const stop = stopGracefully(api, holder).then(
    () => {
      done = true;
    },
    (e: unknown) => {
      failed = e;
      done = true;
    },
  );
  for (;;) {
    if (failed !== undefined) throw failed;
    if (done || watch.ended()) break;
    // The stop call's return wakes nothing: look at it every 50 ms (the event comes first).
    const ev = await watch.next(50);
    if (!ev) continue;
    if ((ev.id ?? ev.Actor?.ID) === holder.id && actionOf(ev).action === 'die') return seen;
    seen.push(ev);
  }
  await stop;
  if (failed !== undefined) throw failed;
  return seen;
}

// The watch with these events first (the replacement's own, read while waiting for the die).
function replay(events: EngineEvent[], watch: EventWatch): EventWatch {
  return {
    ended: () => !events.length && watch.ended(),
    close: () => watch.close(),
    next: async (ms) => events.shift() ?? watch.next(ms),
  };
}
