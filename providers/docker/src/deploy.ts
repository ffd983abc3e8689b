// `deploy` of the docker provider: replace a service's containers (found by the stack's
// and the service's labels) through the Engine API, start-first (rollout.ts) unless the
// service says stop-first, and wait by events until they run.
import { Events, isJob, PctlError, resourceName, type DeployParams, type StateEntry } from '@pctl/core';
import { connect, type Api } from './api.js';
import { containerNames, listByLabel, removeContainers, stackFilters } from './containers.js';
import { createSpec } from './createSpec.js';
import { serviceEntry } from './entry.js';
import { watchService } from './events.js';
import { imageId } from './images.js';
import { runJob } from './job.js';
import { createContainer, startContainer, type Launched } from './launch.js';
import { ensureNetwork, networkName } from './networks.js';
import { options, replicaCount, settleMs } from './options.js';
import { waitRunning } from './readiness.js';
import { rollout, type RolloutParams } from './rollout.js';
import { ensureVolumes, serviceVolumes } from './volumes.js';
import { pullImage, transferImage } from './transfer.js';
import { dropSentImage, imagesInUse, noteReplacedRemote } from './remoteImages.js';

// Makes the service's containers run as described; returns the state entry.
export async function deploy({ ctx, target, previous }: DeployParams): Promise<StateEntry> {
  const o = options(target.service.provider.options);
  const svc = target.service;
  // `{path}` volumes are named volumes; a hostPath is bind-mounted, on a local engine only.
  if (o.host && svc.volumes?.some((v) => v.hostPath !== undefined)) {
    throw new PctlError({
      code: 'InvalidConfig',
      exitCode: 2,
      fault: 'user',
      message: `services.${target.name}.volumes: a host folder cannot be mounted on the remote Docker host ${o.host} (it names a folder on this machine)`,
      hint: 'use { path: /mount/point } for storage on that host',
    });
  }
  const api = await connect(ctx, o);
  await ensureImage(api, { ctx, target, o });
  try {
    return await runService(api, { ctx, target, previous }, o);
  } catch (e) {
    await dropSentImage(api, { o, target, previous, stack: ctx.stack });
    throw e;
  }
}

// With the image on the engine: the network, the volumes, then the job's run or the rollout.
async function runService(
  api: Api,
  { ctx, target, previous }: DeployParams,
  o: ReturnType<typeof options>,
): Promise<StateEntry> {
  const svc = target.service;
  const replaced = await imagesInUse(api, o, ctx.stack, target.key);
  const net = networkName(ctx, o);
  await ensureNetwork(api, ctx, net);
  const replicas = replicaCount(svc.scale);
  const base = resourceName(ctx.stack, target.name);
  const names = containerNames(base, replicas);
  const volumes = serviceVolumes(target.key, svc.volumes);
  const adopted = await ensureVolumes(api, {
    stack: ctx.stack,
    key: target.key,
    labels: target.labels,
    volumes,
    previous,
  });
  if (isJob(svc)) {
    await runJob(api, { ctx, target, net, name: base, volumes });
    noteReplacedRemote({ ctx, o, target, previous, replaced });
    return serviceEntry(target, o, {
      network: net,
      containers: [base],
      volumes: volumes.map((v) => v.name),
      adoptedVolumes: adopted,
    });
  }
  const strategy = svc.strategy ?? 'start-first';
  if (strategy === 'start-first') await rollout(api, { ctx, target, o, net, names, base, volumes });
  else await replaceStopFirst(api, { ctx, target, o, net, names, base, volumes });
  noteReplacedRemote({ ctx, o, target, previous, replaced });
  return serviceEntry(target, o, {
    network: net,
    containers: names,
    volumes: volumes.map((v) => v.name),
    adoptedVolumes: adopted,
  });
}

// `strategy: stop-first`: every container of the service goes (found by label, so none left
// by a crash leaks), then the new ones start and are waited for.
async function replaceStopFirst(api: Api, p: RolloutParams): Promise<void> {
  const { ctx, target } = p;
  await removeContainers(
    api,
    (await listByLabel(api, 'container', stackFilters(ctx.stack, target.key))).map((c) => c.id),
  );
  // Subscribed before the first create, so no start, death or health change is missed.
  const subscribe = () => watchService(api, ctx.stack, target.key);
  const watch = await subscribe();
  try {
    const started: Launched[] = [];
    for (const [i, name] of p.names.entries()) {
      const container = await createContainer(
        api,
        name,
        createSpec({ target, net: p.net, first: i === 0, volumes: p.volumes }),
      );
      started.push(await startContainer(api, container, name, target));
    }
    const health = Boolean(target.service.health);
    await waitRunning(
      api,
      watch,
      {
        key: target.key,
        containers: started,
        healthCheck: health,
        timeoutMs: (p.o.timeout ?? 60) * 1000,
        settleMs: settleMs(p.o, health),
      },
      subscribe,
    );
  } finally {
    watch.close();
  }
}

// The image is on the engine: a built one sent to a remote host (registry or stream); a
// named one missing there pulled, as `docker run` (and the original pctl) pulled it.
export async function ensureImage(
  api: Api,
  p: { ctx: DeployParams['ctx']; target: DeployParams['target']; o: ReturnType<typeof options> },
): Promise<void> {
  const { ctx, target } = p;
  const ref = target.image.ref;
  const registry = ctx.flags.skipPush ? undefined : target.service.registry;
  if (p.o.host && target.image.builtByPctl) {
    await transferImage({
      local: await connect(ctx, {}),
      remote: api,
      ref,
      registry,
      report: (text) => ctx.reporter.info(text, undefined, Events.ImageTransfer),
    });
    return;
  }
  if (await imageId(api, ref)) return;
  // A local build that is gone was removed since the build: pulling would fetch something else.
  if (target.image.builtByPctl)
    throw new PctlError({
      code: 'ImageMissing',
      exitCode: 1,
      message: `${target.key}: image ${ref} is not on the Docker engine (removed since it was built)`,
      fault: 'environment',
      hint: 'deploy again to build it',
    });
  ctx.reporter.info(`pulling ${ref}${p.o.host ? ` on ${p.o.host}` : ''}`, target.key, Events.ImagePull);
  await pullImage(api, ref, target.service.registry, p.o.host ? undefined : ctx.exec);
}
