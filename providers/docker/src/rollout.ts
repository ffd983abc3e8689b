// `strategy: start-first`: a changed service's containers are replaced in
// batches (`rollout.batch`, default 1). Each new container starts beside the old one under
// a temporary name and without the service's alias, and the batch must pass its gate
// (running for the settle window, healthy with a health check: readiness.ts); only then
// does each take the alias and the old one's name, and the old one drains in the background
// (stopped with its stop timeout: handover.ts, drain.ts). A container publishing a fixed host
// port cannot run beside its replacement: a copy without the ports passes the gate, the final
// one starts on a network of its own and joins the stack's (binding the ports) on the old
// one's `die` (portHandover.ts). A batch that fails removes its new
// containers, leaves the old ones serving and fails the deploy with the last log lines.
import { leftUnchanged, type DeployParams } from '@pctl/core';
import type { Api } from './api.js';
import { listByLabel, removeContainers, stackFilters, type Found } from './containers.js';
import { createSpec } from './createSpec.js';
import { watchService } from './events.js';
import { retire } from './drain.js';
import { markDraining } from './drainMarker.js';
import { handOver, nextName, recoverHandovers } from './handover.js';
import { createContainer, startContainer, type Launched } from './launch.js';
import { settleMs, type DockerOptions } from './options.js';
import { handOverPort, holdsHostPort, proofName, removeLeftovers, withoutHostPorts } from './portHandover.js';
import { waitRunning } from './readiness.js';

export interface RolloutParams {
  target: DeployParams['target'];
  ctx: DeployParams['ctx'];
  o: DockerOptions;
  net: string;
  /** The containers' final names, one per replica. */
  names: string[];
  /** `<stack>-<service>`: the first replica's name with one replica, its `-1` with more. */
  base: string;
  volumes: { name: string; path: string }[];
}

/** One replica's replacement: its final name, its index, the container it replaces. */
interface Slot {
  name: string;
  index: number;
  old?: Found;
  /** The old container that publishes the host ports (for the first replica). */
  portHolder?: Found;
}

// Replaces the service's containers batch by batch; the old ones no new one replaced go last.
export async function rollout(api: Api, p: RolloutParams): Promise<void> {
  const { ctx, target } = p;
  await recoverHandovers(api, { stack: ctx.stack, key: target.key, net: p.net, alias: target.name });
  await removeLeftovers(api, ctx.stack, target.key);
  const old = await listByLabel(api, 'container', stackFilters(ctx.stack, target.key));
  const byName = new Map(old.map((c) => [c.name, c]));
  const batch = target.service.rollout?.batch ?? 1;
  // The old first replica holds the host ports, whatever the new one is called (1 -> 3 replicas renames it).
  const portHolder = byName.get(p.base) ?? byName.get(`${p.base}-1`);
  // Nothing serves yet (a first deploy): the containers get the alias as they are created,
  // as stop-first's do, and no network change is needed.
  const fresh = old.length === 0;
  // Before the first temporary container or rename: a run killed from here on leaves what the next run sweeps.
  if (!fresh) markDraining(ctx);
  for (let i = 0; i < p.names.length; i += batch) {
    await replaceBatch(
      api,
      p,
      { fresh, first: i === 0 },
      p.names.slice(i, i + batch).map((name, j) => ({
        name,
        index: i + j,
        old: byName.get(name),
        portHolder: i + j === 0 ? portHolder : undefined,
      })),
    );
  }
  const kept = new Set(p.names);
  await retire(
    api,
    old.filter((c) => !kept.has(c.name)),
  );
}

// Starts the batch's new containers, gates them together, then hands over one by one.
async function replaceBatch(
  api: Api,
  p: RolloutParams,
  { fresh, first }: { fresh: boolean; first: boolean },
  slots: Slot[],
): Promise<void> {
  const { ctx, target } = p;
  const subscribe = () => watchService(api, ctx.stack, target.key);
  const watch = await subscribe();
  const created: { id: string; name: string; proof?: boolean }[] = [];
  const launched: Launched[] = [];
  try {
    for (const slot of slots) {
      const spec = createSpec({ target, net: p.net, first: slot.index === 0, volumes: p.volumes, alias: fresh });
      // The port holder's replacement is gated as a copy without the ports (portHandover.ts).
      const proof = Boolean(slot.portHolder) && holdsHostPort(spec);
      const name = proof ? proofName(slot.name) : slot.old ? nextName(slot.name) : slot.name;
      const container = await createContainer(api, name, proof ? withoutHostPorts(spec) : spec);
      created.push({ id: container.id, name, proof });
      launched.push(await startContainer(api, container, name, target));
    }
    await waitRunning(
      api,
      watch,
      {
        key: target.key,
        containers: launched,
        healthCheck: Boolean(target.service.health),
        timeoutMs: (p.o.timeout ?? 60) * 1000,
        settleMs: settleMs(p.o, Boolean(target.service.health)),
      },
      subscribe,
    );
  } catch (e) {
    // Nothing half-replaced: the new ones go, the old ones serve as before. Before any
    // handover (the first batch), the service is as it was: core keeps its previous entry.
    await removeContainers(
      api,
      created.map((c) => c.id),
    );
    throw first ? leftUnchanged(e) : e;
  } finally {
    watch.close();
  }
  for (const [i, slot] of slots.entries()) {
    const made = created[i]!;
    if (made.proof && slot.portHolder) {
      await handOverPort(
        api,
        { ...p, stack: ctx.stack },
        { name: slot.name, old: slot.old, holder: slot.portHolder, proof: made },
        subscribe,
      );
      continue;
    }
    if (!fresh) await handOver(api, { net: p.net, alias: target.name, made, old: slot.old, name: slot.name });
  }
}
