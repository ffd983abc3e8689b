// `destroy` of the docker provider: the service's containers, then its volumes and its
// image (if pctl built it and nothing else runs it) at once, and the stack's network once
// the stack has no container left. Removals run several at a time; a removal another run
// started is waited for with the engine's wait endpoint.
import { PctlError, requireServiceOfKey, type DestroyParams } from '@pctl/core';
import { connect } from './api.js';
import { listByLabel, removeContainers, stackFilters } from './containers.js';
import { removeAdoptedLeftovers } from './adopt.js';
import { removeUnusedImage } from './images.js';
import { removeNetwork } from './networks.js';
import { removeLeftovers } from './portHandover.js';
import { entryOptions } from './options.js';
import { provenAdopted, removeVolumes } from './volumes.js';
import { RUN_LABEL } from './run.js';
import { removeReleaseImagesRemote } from './remoteImages.js';

// Removes what the service left on its engine.
export async function destroy({ ctx, key, entry }: DestroyParams): Promise<void> {
  // Only a key that parses names a service's objects (a recovered `""` once took the stack's).
  requireServiceOfKey(ctx.stack, key);
  const api = await connect(ctx, entryOptions(entry));
  const mine = stackFilters(ctx.stack, key);
  // Before the containers go: an adopted original volume is proven the service's by their mounts.
  const adopted = await provenAdopted(api, ctx.stack, key, entry);
  // The service's containers, and one-off containers (`pctl run`) a killed pctl left.
  const oneOffs = await listByLabel(api, 'container', [...stackFilters(ctx.stack), `${RUN_LABEL}=${key}`]);
  await removeContainers(
    api,
    [...(await listByLabel(api, 'container', mine)), ...oneOffs].map((c) => c.id),
  );
  const left = await listByLabel(api, 'container', mine);
  if (left.length)
    throw new PctlError({
      code: 'DestroyIncomplete',
      message: `${key}: containers still present after removal: ${left.map((c) => c.name).join(', ')}`,
      fault: 'environment',
    });
  await Promise.all([
    // Hold networks and proof copies a killed start-first handover left (portHandover.ts).
    removeLeftovers(api, ctx.stack, key),
    removeVolumes(api, ctx.stack, key, adopted),
    // Another service of the stack may run the same image (a shared build).
    entry.builtByPctl && entry.image ? removeUnusedImage(api, entry.image, ctx.stack) : undefined,
    // On a remote host the images kept for rollbacks too (core sweeps the local engine's).
    removeReleaseImagesRemote(api, entryOptions(entry), entry, ctx.stack),
  ]);
  await removeAdoptedLeftovers(api, entry);
  const net = typeof entry.network === 'string' ? entry.network : `pctl-${ctx.stack}`;
  if (!(await listByLabel(api, 'container', stackFilters(ctx.stack))).length) await removeNetwork(api, net, ctx.stack);
}
