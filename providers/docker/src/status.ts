// What runs of a service now (`pctl status`) and of the whole stack (`discover`), found by
// the stack's labels: another stack's containers never count.
import type { FoundResource, ProviderContext, ServiceStatus, StatusParams } from '@pctl/core';
import { listByLabel, stackFilters } from './containers.js';
import { entryOptions, options } from './options.js';
import { inspect } from './readiness.js';
import { docker, dockerCli } from './transport.js';

// The live state of one service's containers.
export async function status({ ctx, key, entry, target }: StatusParams): Promise<ServiceStatus> {
  // What runs is where it was deployed (the entry); a service not deployed yet, where the config says.
  const o = entry && !entry.destroyed ? entryOptions(entry) : options(target?.service.provider.options ?? ctx.config.services[key.slice(ctx.stack.length + 1)]?.provider.options);
  const cli = dockerCli(ctx, o);
  const names = await listByLabel(cli, 'container', stackFilters(ctx.stack, key));
  const states = await inspect(cli, names);
  const resources = states.map((s) => ({ name: s.Name.replace(/^\//, ''), state: s.State.Health?.Status ?? s.State.Status }));
  if (!resources.length) return { state: 'missing', resources };
  const running = states.filter((s) => s.State.Running).length;
  const want = typeof entry?.replica === 'number' ? entry.replica : resources.length;
  return { state: running >= want ? 'running' : running > 0 ? 'degraded' : 'stopped', resources, detail: `${running}/${want} running` };
}

// Every container and volume of the stack on the local engine, with its service key.
export async function discover({ ctx }: { ctx: ProviderContext }): Promise<FoundResource[]> {
  const cli = dockerCli(ctx, {});
  const found: FoundResource[] = [];
  const filters = stackFilters(ctx.stack);
  const out = await docker(cli, 'listing containers', ['ps', '-a', ...filters.flatMap((l) => ['--filter', `label=${l}`]), '--format', '{{.Names}}\t{{.Label "pctl-service"}}']);
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, key] = line.split('\t');
    found.push({ kind: 'container', name: name!, key: key! });
  }
  const vols = await docker(cli, 'listing volumes', ['volume', 'ls', ...filters.flatMap((l) => ['--filter', `label=${l}`]), '--format', '{{.Name}}\t{{.Label "pctl-service"}}']);
  for (const line of vols.split('\n').filter(Boolean)) {
    const [name, key] = line.split('\t');
    found.push({ kind: 'volume', name: name!, key: key! });
  }
  return found;
}
