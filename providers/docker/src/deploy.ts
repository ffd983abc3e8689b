// `deploy` of the docker provider: replace a service's containers (found by the stack's
// and the service's labels) through the Engine API, and wait by events until they run.
import { Events, PctlError, resourceName, type DeployParams, type StateEntry } from '@pctl/core';
import { bodyOnly, connect, messageOf, type Api } from './api.js';
import { containerNames, listByLabel, removeContainers, stackFilters } from './containers.js';
import { createSpec } from './createSpec.js';
import { serviceEntry } from './entry.js';
import { watchService } from './events.js';
import { imageId } from './images.js';
import { ensureNetwork, networkName } from './networks.js';
import { options, replicaCount, settleMs } from './options.js';
import { waitRunning } from './readiness.js';
import { ensureVolumes, serviceVolumes } from './volumes.js';
import { pullImage, transferImage } from './transfer.js';

// Makes the service's containers run as described; returns the state entry.
export async function deploy({ ctx, target, previous }: DeployParams): Promise<StateEntry> {
  const o = options(target.service.provider.options);
  const svc = target.service;
  // `{path}` volumes are named volumes; a hostPath is bind-mounted, on a local engine only.
  if (o.host && svc.volumes?.some((v) => v.hostPath !== undefined)) {
    throw new PctlError({ code: 'InvalidConfig', exitCode: 2, fault: 'user', message: `services.${target.name}.volumes: a host folder cannot be mounted on the remote Docker host ${o.host} (it names a folder on this machine)`, hint: 'use { path: /mount/point } for storage on that host' });
  }
  const api = await connect(ctx, o);
  await ensureImage(api, { ctx, target, o });
  const net = networkName(ctx, o);
  await ensureNetwork(api, ctx, net);
  const replicas = replicaCount(svc.scale);
  const names = containerNames(resourceName(ctx.stack, target.name), replicas);
  const volumes = serviceVolumes(target.key, svc.volumes);
  const adopted = await ensureVolumes(api, { stack: ctx.stack, key: target.key, labels: target.labels, volumes, previous });
  // Replace: every container of this service goes, found by label (so none left by a crash leaks).
  await removeContainers(api, (await listByLabel(api, 'container', stackFilters(ctx.stack, target.key))).map((c) => c.id));
  // Subscribed before the first create, so no start, death or health change is missed.
  const subscribe = () => watchService(api, ctx.stack, target.key);
  const watch = await subscribe();
  try {
    const started: { id: string; name: string; startedAt: number }[] = [];
    for (const [i, name] of names.entries()) {
      const spec = createSpec({ target, net, first: i === 0, volumes });
      const container = await api.call(`POST /containers/create?name=${name}`, `creating ${name}`, (d) => d.createContainer(bodyOnly(spec, { name })));
      api.log(`POST /containers/${name}/start`);
      try {
        await container.start();
      } catch (e) {
        if (/port is already allocated|address already in use/i.test(messageOf(e))) {
          throw new PctlError({ code: 'PortInUse', exitCode: 1, message: `${target.key}: a published port is already in use (${(svc.ports ?? []).join(', ')})`, fault: 'user', hint: `free the port or change services.${target.name}.ports`, detail: messageOf(e) });
        }
        throw api.fail(e, `starting ${name}`);
      }
      started.push({ id: container.id, name, startedAt: Date.now() });
    }
    await waitRunning(api, watch, { key: target.key, containers: started, healthCheck: Boolean(svc.health), timeoutMs: (o.timeout ?? 60) * 1000, settleMs: settleMs(o, Boolean(svc.health)) }, subscribe);
  } finally {
    watch.close();
  }
  return serviceEntry(target, o, { network: net, containers: names, volumes: volumes.map((v) => v.name), adoptedVolumes: adopted });
}

// The image is on the engine: a built one sent to a remote host (registry or stream); a
// named one missing there pulled, as `docker run` (and the original pctl) pulled it.
async function ensureImage(api: Api, p: { ctx: DeployParams['ctx']; target: DeployParams['target']; o: ReturnType<typeof options> }): Promise<void> {
  const { ctx, target } = p;
  const ref = target.image.ref;
  const registry = ctx.flags.skipPush ? undefined : target.service.registry;
  if (p.o.host && target.image.builtByPctl) {
    await transferImage({ local: await connect(ctx, {}), remote: api, ref, registry, report: (text) => ctx.reporter.info(text, undefined, Events.ImageTransfer) });
    return;
  }
  if (await imageId(api, ref)) return;
  // A local build that is gone was removed since the build: pulling would fetch something else.
  if (target.image.builtByPctl) throw new PctlError({ code: 'ImageMissing', exitCode: 1, message: `${target.key}: image ${ref} is not on the Docker engine (removed since it was built)`, fault: 'environment', hint: 'deploy again to build it' });
  ctx.reporter.info(`pulling ${ref}${p.o.host ? ` on ${p.o.host}` : ''}`, target.key, Events.ImagePull);
  await pullImage(api, ref, target.service.registry, p.o.host ? undefined : ctx.exec);
}
