// The per-stack network services reach each other on: created once per engine (also when
// two services ask at the same moment) with the stack's labels, removed when the stack's
// last container is gone and only if the live network carries them (a user's is only used).
import { PctlError, type ProviderContext } from '@pctl/core';
import { bodyOnly, messageOf, pathPart, statusOf, type Api } from './api.js';
import type { DockerOptions } from './options.js';

// The stack's network: `provider.options.network`, else `pctl-<stack>`.
export const networkName = (ctx: ProviderContext, o: DockerOptions) => o.network ?? `pctl-${ctx.stack}`;

// One creation at a time per network and engine: the engine does not reliably refuse a
// second network of the same name created at the same moment, and then every container
// create naming it fails as ambiguous.
const networks = new Map<string, Promise<void>>();

// Makes sure the network exists on the engine (created with the stack's labels if not).
export function ensureNetwork(api: Api, ctx: ProviderContext, name: string): Promise<void> {
  const key = `${api.host ?? ''}\u0000${process.env.DOCKER_HOST ?? ''}\u0000${name}`;
  let pending = networks.get(key);
  if (!pending) {
    pending = createNetwork(api, ctx, name);
    networks.set(key, pending);
    // Only while in flight: a later call checks again (destroy may have removed it).
    void pending.finally(() => networks.delete(key)).catch(() => undefined);
  }
  return pending;
}

async function createNetwork(api: Api, ctx: ProviderContext, name: string): Promise<void> {
  const filters = JSON.stringify({ name: [name] });
  const list = await api.call(`GET /networks?filters=${filters}`, 'listing networks', (d) =>
    d.listNetworks({ filters }),
  );
  const same = list.filter((n) => n.Name === name);
  if (same.length > 1) {
    // Left by an older run racing us: keep one, remove the other ones of this stack that
    // nothing is attached to, so the name means one network again (another's stays).
    const ours = same.filter((n) => ownsNetwork(n.Labels, ctx.stack)).map((n) => n.Id);
    for (const id of ours.slice(ours.length === same.length ? 1 : 0))
      await api
        .call(`DELETE /networks/${id}`, `removing network ${id}`, (d) => d.getNetwork(id).remove())
        .catch(() => undefined);
    return;
  }
  // One exists: used as it is; removed at destroy only if it carries the stack's labels.
  if (same.length === 1) return;
  api.log(`POST /networks/create (${name})`);
  try {
    await api.docker.createNetwork(
      bodyOnly({ Name: name, CheckDuplicate: true, Labels: { 'managed-by': 'pctl', 'pctl-stack': ctx.stack } }),
    );
  } catch (e) {
    if (!(statusOf(e) === 409 || /already exists/.test(messageOf(e)))) throw api.fail(e, `creating network ${name}`);
  }
}

// True when the live network carries the stack's labels (a state entry is no proof).
export function ownsNetwork(labels: Record<string, string> | null | undefined, stack: string): boolean {
  return labels?.['managed-by'] === 'pctl' && labels['pctl-stack'] === stack;
}

// How long destroy waits for the engine to stop counting endpoints of containers that are gone.
const SETTLE_MS = 30_000;

// Removes the network if it exists, carries the stack's labels and nothing is attached (a
// shared one stays; one the user created, or another stack's, is never removed). With no
// container attached, "has active endpoints" is the engine's count lagging or lost (Docker
// 20.10 loses count of a network's endpoints when several leave and join it at once): waited
// for, then said, so destroy never leaves a network of its own behind in silence.
export async function removeNetwork(api: Api, net: string, stack: string, settleMs = SETTLE_MS): Promise<void> {
  const deadline = Date.now() + settleMs;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
    api.log(`GET /networks/${pathPart(net)}`);
    let live: { Id: string; Labels?: Record<string, string>; Containers?: Record<string, unknown> };
    try {
      live = await api.docker.getNetwork(pathPart(net)).inspect();
    } catch (e) {
      if (gone(e)) return;
      throw api.fail(e, `inspecting network ${net}`);
    }
    if (!ownsNetwork(live.Labels, stack)) return;
    // A container still attached (the user's, or another stack's) keeps it: it is theirs to use.
    if (Object.keys(live.Containers ?? {}).length) return;
    // By id: the name may meanwhile name another network.
    api.log(`DELETE /networks/${live.Id}`);
    try {
      await api.docker.getNetwork(live.Id).remove();
      return;
    } catch (e) {
      if (gone(e)) return;
      if (!/has active endpoints/i.test(messageOf(e))) throw api.fail(e, `removing network ${net}`);
    }
    if (Date.now() >= deadline)
      throw new PctlError({
        code: 'DestroyIncomplete',
        fault: 'environment',
        message: `network ${net} is left: the engine still counts an endpoint on it though no container is attached (Docker 20.10 can lose count of a network's endpoints)`,
        hint: 'restart the Docker engine, which counts them again, then run pctl destroy again',
      });
    await new Promise((r) => setTimeout(r, pause));
  }
}

const gone = (e: unknown) => statusOf(e) === 404 || /not found|No such network/i.test(messageOf(e));
