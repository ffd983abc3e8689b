// The per-stack network services reach each other on: created once per engine (also when
// two services ask at the same moment), removed when the stack's last container is gone.
import type { ProviderContext } from '@pctl/core';
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
  const list = await api.call(`GET /networks?filters=${filters}`, 'listing networks', (d) => d.listNetworks({ filters }));
  const ids = list.filter((n) => n.Name === name).map((n) => n.Id);
  if (ids.length > 1) {
    // Left by an older run or another tool racing us: keep one, remove the others that
    // nothing is attached to, so the name means one network again.
    for (const id of ids.slice(1)) await api.call(`DELETE /networks/${id}`, `removing network ${id}`, (d) => d.getNetwork(id).remove()).catch(() => undefined);
    return;
  }
  if (ids.length === 1) return;
  api.log(`POST /networks/create (${name})`);
  try {
    await api.docker.createNetwork(bodyOnly({ Name: name, CheckDuplicate: true, Labels: { 'managed-by': 'pctl', 'pctl-stack': ctx.stack } }));
  } catch (e) {
    if (!(statusOf(e) === 409 || /already exists/.test(messageOf(e)))) throw api.fail(e, `creating network ${name}`);
  }
}

// Removes the network if it exists and nothing is attached (a shared one stays).
export async function removeNetwork(api: Api, net: string): Promise<void> {
  api.log(`DELETE /networks/${pathPart(net)}`);
  try {
    await api.docker.getNetwork(pathPart(net)).remove();
  } catch (e) {
    if (statusOf(e) === 404 || /not found|No such network|has active endpoints/i.test(messageOf(e))) return;
    throw api.fail(e, `removing network ${net}`);
  }
}
