// `destroy` of the docker provider: the service's containers, then its volumes and its
// image (if pctl built it and nothing else runs it) at once, and the stack's network once
// the stack has no container left. Removals run several at a time; a removal another run
// started is waited for with the engine's wait endpoint.
import { PctlError, runPool, type DestroyParams } from '@pctl/core';
import { connect, pathPart, statusOf } from './api.js';
import { listByLabel, PARALLEL, removeContainers, stackFilters } from './containers.js';
import { removeAdoptedLeftovers } from './adopt.js';
import { removeUnusedImage } from './images.js';
import { removeNetwork } from './networks.js';
import { entryOptions } from './options.js';

// Removes what the service left on its engine.
export async function destroy({ ctx, key, entry }: DestroyParams): Promise<void> {
  const api = await connect(ctx, entryOptions(entry));
  const mine = stackFilters(ctx.stack, key);
  await removeContainers(api, (await listByLabel(api, 'container', mine)).map((c) => c.id));
  const left = await listByLabel(api, 'container', mine);
  if (left.length) throw new PctlError({ code: 'DestroyIncomplete', message: `${key}: containers still present after removal: ${left.map((c) => c.name).join(', ')}`, fault: 'environment' });
  const volumes = await listByLabel(api, 'volume', mine);
  await Promise.all([
    runPool(volumes, PARALLEL, async (v) => {
      api.log(`DELETE /volumes/${pathPart(v.name)}?force=1`);
      try {
        await api.docker.getVolume(pathPart(v.name)).remove({ force: true });
      } catch (e) {
        if (statusOf(e) !== 404) throw api.fail(e, `removing volume ${v.name}`);
      }
    }),
    // Another service of the stack may run the same image (a shared build).
    entry.builtByPctl && entry.image ? removeUnusedImage(api, entry.image) : undefined,
  ]);
  await removeAdoptedLeftovers(api, entry);
  const net = typeof entry.network === 'string' ? entry.network : `pctl-${ctx.stack}`;
  if (!(await listByLabel(api, 'container', stackFilters(ctx.stack))).length) await removeNetwork(api, net);
}
