// Adopting the containers the original pctl left running (the core has found the service's
// definition and Dockerfile unchanged): they are kept only when they provably run what this
// provider's deploy would run — the right number, running, with the service's labels,
// command, environment, ports, mounts, limits and health check, and the same image (a
// registry image: the same image ID; a built one: the image pctl builds now has the same
// filesystem layers and configuration). What deploy adds that the service does not ask for
// and that restarts nothing (the stack's network with the service's alias, the restart
// policy) is set in place. The image is compared in adoptImage.ts, each container's
// configuration in adoptConfig.ts; the containers are found and changed in adoptContainers.ts.
import type { AdoptParams, AdoptResult, StateEntry } from '@pctl/core';
import { connect, type Api } from './api.js';
import { checkConfig } from './adoptConfig.js';
import { applyInPlace, findContainers, inPlaceChanges } from './adoptContainers.js';
import { durationNs, expectedPorts, memoryBytes } from './adoptExpected.js';
import { imageMismatch, inspectImage, shortId } from './adoptImage.js';
import { removeUnusedImage } from './images.js';
import { serviceEntry } from './entry.js';
import { networkName } from './networks.js';
import {
  dockerCpus,
  dockerMemory,
  durationSeconds,
  entryOptions,
  options,
  replicaCount,
  type DockerOptions,
} from './options.js';
import { serviceVolumes, unlabelledVolumes } from './volumes.js';

// The docker provider's `adopt`.
export async function adopt(params: AdoptParams): Promise<AdoptResult> {
  const { ctx, target, previous, mode } = params;
  const svc = target.service;
  const o = options(svc.provider.options);
  const was = entryOptions(previous).host;
  if ((was ?? '') !== (o.host ?? ''))
    return {
      adopt: false,
      reason: `the original deployed it on ${was ?? 'the local engine'}, the config says ${o.host ?? 'the local engine'}`,
    };
  const api = await connect(ctx, o);
  const want = replicaCount(svc.scale);
  const found = await findContainers(api, ctx, params, want);
  if (!found.infos) return { adopt: false, reason: found.why! };
  const infos = found.infos;
  for (const c of infos) {
    const name = c.Name.replace(/^\//, '');
    if (!c.State.Running || c.State.Restarting)
      return { adopt: false, reason: `container ${name} is ${c.State.Status}` };
    if (svc.health && c.State.Health?.Status !== 'healthy')
      return { adopt: false, reason: `container ${name} is ${c.State.Health?.Status ?? 'without a health check'}` };
  }
  const ids = [...new Set(infos.map((c) => c.Image))];
  if (ids.length > 1)
    return { adopt: false, reason: `its containers run different images (${ids.map(shortId).join(', ')})` };
  const running = await inspectImage(api, ids[0]!);
  if (!running)
    return { adopt: false, reason: `the image its containers run (${shortId(ids[0]!)}) is gone from the engine` };
  const image = await imageMismatch(ctx, api, params, running);
  if (image.why) return { adopt: false, reason: image.why };
  const volumes = serviceVolumes(target.key, svc.volumes);
  for (const [i, c] of infos.entries()) {
    const why = checkConfig({
      c,
      svc,
      image: running,
      first: i === 0,
      volumes,
      ports: expectedPorts(svc.ports),
      nanoCpus: svc.scale?.cpu !== undefined ? Math.round(Number(dockerCpus(svc.scale.cpu)) * 1e9) : 0,
      memory: svc.scale?.memory !== undefined ? memoryBytes(dockerMemory(svc.scale.memory)) : 0,
      healthInterval: svc.health ? durationNs(durationSeconds(svc.health.interval)) : 0,
    });
    if (why) return { adopt: false, reason: `container ${c.Name.replace(/^\//, '')}: ${why}` };
  }
  const net = networkName(ctx, o);
  const changes = inPlaceChanges(infos, net, target.name);
  if (changes.why) return { adopt: false, reason: changes.why };
  const notes = [
    image.note,
    changes.connect.length ? `joins network ${net} as ${target.name}` : undefined,
    changes.restart.length ? 'gets the restart policy unless-stopped' : undefined,
  ].filter(Boolean);
  if (mode === 'deploy') await applyInPlace(api, ctx, net, target.name, changes);
  // The containers mount these (checkConfig): an unlabelled one is the original's, recorded by name.
  const original =
    mode === 'deploy'
      ? await unlabelledVolumes(
          api,
          ctx.stack,
          target.key,
          volumes.map((v) => v.name),
        )
      : [];
  return {
    adopt: true,
    note: notes.join('; ') || undefined,
    entry: entryFor(
      params,
      o,
      net,
      infos.map((c) => c.Name.replace(/^\//, '')),
      { volumes: volumes.map((v) => v.name), original },
    ),
  };
}

// The entry deploy would have written, and the image the original built (removed with the service).
function entryFor(
  params: AdoptParams,
  o: DockerOptions,
  net: string,
  containers: string[],
  v: { volumes: string[]; original: string[] },
): StateEntry {
  const { target, previous } = params;
  return {
    ...serviceEntry(target, o, { network: net, containers, volumes: v.volumes, adoptedVolumes: v.original }),
    ...(previous.pushedByPctl === true && typeof previous.image === 'string' && previous.image !== target.image.ref
      ? { originalImage: previous.image }
      : {}),
  };
}

// After destroy's label-based removal: the image the original built for an adopted entry
// (its volumes are removed by removeVolumes, only while the service's containers mount them).
export async function removeAdoptedLeftovers(api: Api, entry: StateEntry): Promise<void> {
  if (typeof entry.originalImage === 'string') await removeUnusedImage(api, entry.originalImage);
}
