// What runs of a service now (`pctl status`) and of the whole stack (`discover`), found by
// the stack's labels: another stack's containers never count.
import {
  isJob,
  serviceOfKey,
  type FoundResource,
  type ProviderContext,
  type ServiceStatus,
  type StatusParams,
} from '@pctl/core';
import { connect } from './api.js';
import { inspect, listByLabel, stackFilters } from './containers.js';
import { entryOptions, options } from './options.js';

// The live state of one service's containers.
export async function status({ ctx, key, entry, target }: StatusParams): Promise<ServiceStatus> {
  // What runs is where it was deployed (the entry); a service not deployed yet, where the config says.
  const o =
    entry && !entry.destroyed
      ? entryOptions(entry)
      : options(
          target?.service.provider.options ?? ctx.config.services[serviceOfKey(ctx.stack, key) ?? '']?.provider.options,
        );
  const api = await connect(ctx, o);
  const found = await listByLabel(api, 'container', stackFilters(ctx.stack, key));
  const states = (
    await inspect(
      api,
      found.map((c) => c.id),
    )
  ).sort((a, b) => a.Name.localeCompare(b.Name));
  const resources = states.map((s) => ({
    name: s.Name.replace(/^\//, ''),
    state: s.State.Health?.Status ?? s.State.Status,
  }));
  if (!resources.length) return { state: 'missing', resources };
  // A job's container is kept after its run: stopped is what a finished job is.
  const svc = target?.service ?? ctx.config.services[serviceOfKey(ctx.stack, key) ?? ''];
  if (isJob(svc) && states.length === 1) {
    const st = states[0]!.State;
    const detail = st.Running
      ? 'job running'
      : `job ${st.ExitCode === 0 ? 'completed' : 'failed'} (exit ${st.ExitCode})`;
    return { state: st.Running ? 'running' : 'stopped', resources, detail };
  }
  const running = states.filter((s) => s.State.Running).length;
  const want = typeof entry?.replica === 'number' ? entry.replica : resources.length;
  return {
    state: running >= want ? 'running' : running > 0 ? 'degraded' : 'stopped',
    resources,
    detail: `${running}/${want} running`,
  };
}

// Every container and volume of the stack on the local engine, with its service key.
export async function discover({ ctx }: { ctx: ProviderContext }): Promise<FoundResource[]> {
  const api = await connect(ctx, {});
  const filters = stackFilters(ctx.stack);
  const [containers, volumes] = await Promise.all([
    listByLabel(api, 'container', filters),
    listByLabel(api, 'volume', filters),
  ]);
  return [
    ...containers.map((c) => ({ kind: 'container', name: c.name, key: c.key })),
    ...volumes.map((v) => ({ kind: 'volume', name: v.name, key: v.key })),
  ];
}
