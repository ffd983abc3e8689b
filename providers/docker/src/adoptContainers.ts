// The containers an adoption keeps: found by the service's labels, in the order deploy names
// them, and what deploy would add that restarts nothing (the stack's network with the
// service's alias, the restart policy), found and then set in place.
import { resourceName, type AdoptParams, type ProviderContext } from '@pctl/core';
import { bodyOnly, pathPart, type Api } from './api.js';
import { same, type ContainerInfo } from './adoptConfig.js';
import { containerNames, inspect, listByLabel, stackFilters } from './containers.js';
import { ensureNetwork } from './networks.js';

// The containers by label, in the order deploy names them (the first gets the ports).
export async function findContainers(
  api: Api,
  ctx: ProviderContext,
  params: AdoptParams,
  want: number,
): Promise<{ why?: string; infos?: ContainerInfo[] }> {
  const { target } = params;
  const names = (await listByLabel(api, 'container', stackFilters(ctx.stack, target.key))).map((c) => c.name);
  if (!names.length) return { why: 'no container with its labels exists' };
  if (names.length !== want) return { why: `${names.length} containers carry its labels, it asks for ${want}` };
  // The original named them `<stack>-<service>[-i]`; pctl names them by resourceName.
  const order = [containerNames(target.key, want), containerNames(resourceName(ctx.stack, target.name), want)].find(
    (n) => same([...n].sort(), names),
  );
  if (!order)
    return { why: `its containers are named ${names.join(', ')}, not ${containerNames(target.key, want).join(', ')}` };
  const infos = (await inspect(api, order)) as unknown as ContainerInfo[];
  if (infos.length !== want) return { why: 'a container went away while it was inspected' };
  const byName = new Map(infos.map((i) => [i.Name.replace(/^\//, ''), i]));
  return { infos: order.map((n) => byName.get(n)!) };
}

// The in-place changes that make the containers what deploy would make: the stack's network
// with the service's alias, and the restart policy.
export function inPlaceChanges(
  infos: ContainerInfo[],
  net: string,
  alias: string,
): { why?: string; connect: string[]; restart: string[] } {
  const connect: string[] = [];
  const restart: string[] = [];
  for (const c of infos) {
    const name = c.Name.replace(/^\//, '');
    const on = c.NetworkSettings?.Networks?.[net];
    if (on && !(on.Aliases ?? []).includes(alias))
      return { why: `container ${name} is on network ${net} without the alias ${alias}`, connect, restart };
    if (!on) connect.push(name);
    if (c.HostConfig.RestartPolicy?.Name !== 'unless-stopped') restart.push(name);
  }
  return { connect, restart };
}

// Joins the containers to the stack's network and sets their restart policy, restarting nothing.
export async function applyInPlace(
  api: Api,
  ctx: ProviderContext,
  net: string,
  alias: string,
  changes: { connect: string[]; restart: string[] },
): Promise<void> {
  if (changes.connect.length) await ensureNetwork(api, ctx, net);
  for (const name of changes.connect) {
    await api.call(`POST /networks/${pathPart(net)}/connect`, `connecting ${name} to ${net}`, (d) =>
      d.getNetwork(pathPart(net)).connect(bodyOnly({ Container: name, EndpointConfig: { Aliases: [alias] } })),
    );
  }
  for (const name of changes.restart) {
    await api.call(`POST /containers/${pathPart(name)}/update`, 'setting the restart policy', (d) =>
      d
        .getContainer(pathPart(name))
        .update(bodyOnly({ RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } })),
    );
  }
}
