// Adopting the containers the original pctl left running (the core has found the service's
// definition and Dockerfile unchanged): they are kept only when they provably run what this
// provider's deploy would run — the right number, running, with the service's labels,
// command, environment, ports, mounts, limits and health check, and the same image (a
// registry image: the same image ID; a built one: the image pctl builds now has the same
// filesystem layers and configuration). What deploy adds that the service does not ask for
// and that restarts nothing (the stack's network with the service's alias, the restart
// policy) is set in place.
import {
  expandPort,
  parsePort,
  resourceName,
  type AdoptParams,
  type AdoptResult,
  type ProviderContext,
  type StateEntry,
} from '@pctl/core';
import { bodyOnly, connect, pathPart, statusOf, type Api } from './api.js';
import { containerNames, inspect, listByLabel, stackFilters } from './containers.js';
import { removeUnusedImage } from './images.js';
import { serviceEntry } from './entry.js';
import { ensureNetwork, networkName } from './networks.js';
import {
  dockerCpus,
  dockerMemory,
  durationSeconds,
  entryOptions,
  options,
  replicaCount,
  type DockerOptions,
} from './options.js';
import { checkConfig, type ContainerInfo, type ImageInfo } from './adoptConfig.js';
import { serviceVolumes, unlabelledVolumes } from './volumes.js';

// An image's inspect data, undefined when the engine has no such image.
async function inspectImage(api: Api, ref: string): Promise<ImageInfo | undefined> {
  api.log(`GET /images/${pathPart(ref)}/json`);
  try {
    return (await api.docker.getImage(pathPart(ref)).inspect()) as unknown as ImageInfo;
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw api.fail(e, `inspecting image ${ref}`);
  }
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// An image's configuration without its labels (pctl adds its own labels to what it builds).
function configOf(img: ImageInfo): Record<string, unknown> {
  const { Labels: _l, Image: _i, Hostname: _h, ...rest } = img.Config ?? {};
  return Object.fromEntries(
    Object.entries(rest).filter(
      ([, v]) =>
        v !== null &&
        v !== '' &&
        !(Array.isArray(v) && !v.length) &&
        !(typeof v === 'object' && v && !Object.keys(v).length),
    ),
  );
}

// Why the running image is not the one the service asks for; undefined when it is.
async function imageMismatch(
  ctx: ProviderContext,
  api: Api,
  params: AdoptParams,
  running: ImageInfo,
): Promise<{ why?: string; note?: string }> {
  const { target, mode } = params;
  if (!target.image.builtByPctl) {
    const wanted = await inspectImage(api, target.image.ref);
    if (!wanted) return { why: `image ${target.image.ref} is not on the Docker engine` };
    return wanted.Id === running.Id
      ? {}
      : { why: `the containers run image ${short(running.Id)}, ${target.image.ref} is ${short(wanted.Id)}` };
  }
  // pctl builds on the local engine; layer IDs are content hashes, equal on any engine.
  const built = await inspectImage(await connect(ctx, {}), target.image.ref);
  if (!built)
    return mode === 'plan'
      ? { note: `kept if the image built now has the filesystem layers of the running ${short(running.Id)}` }
      : { why: `image ${target.image.ref} is missing after the build` };
  if (!same(built.RootFS?.Layers, running.RootFS?.Layers))
    return {
      why: `the image built now (${target.image.ref}) has other filesystem layers than the running ${short(running.Id)}: the build context changed, or the build cache no longer holds the original's layers`,
    };
  const a = configOf(built);
  const b = configOf(running);
  const differs = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
  return differs.length
    ? { why: `the image built now differs from the running ${short(running.Id)} in ${differs.join(', ')}` }
    : {};
}

// The containers by label, in the order deploy names them (the first gets the ports).
async function findContainers(
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
function inPlaceChanges(
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
    return { adopt: false, reason: `its containers run different images (${ids.map(short).join(', ')})` };
  const running = await inspectImage(api, ids[0]!);
  if (!running)
    return { adopt: false, reason: `the image its containers run (${short(ids[0]!)}) is gone from the engine` };
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

// Joins the containers to the stack's network and sets their restart policy, restarting nothing.
async function applyInPlace(
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

// `"<container>/<proto>"` -> `"<host ip>:<host port>"` as the engine records `-p` bindings.
function expectedPorts(ports: (number | string)[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of ports ?? []) {
    const p = parsePort(entry);
    for (const one of expandPort(p))
      (out[`${one.containerPort}/${one.protocol}`] ??= []).push(
        `${one.hostIp ?? ''}:${p.randomHostPort ? '' : (one.hostPort ?? one.containerPort)}`,
      );
  }
  return out;
}

// Bytes of a docker memory value (`512m`, `1g`, `100b`); NaN when it is not one.
function memoryBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg])?$/.exec(v);
  if (!m) return Number.NaN;
  return Math.floor(Number(m[1]) * 1024 ** 'bkmg'.indexOf(m[2] ?? 'b'));
}

// Nanoseconds of a duration as docker takes it (`10s`, `1m`, `500ms`, `1h`).
function durationNs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v);
  if (!m) return Number.NaN;
  return Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

// After destroy's label-based removal: the image the original built for an adopted entry
// (its volumes are removed by removeVolumes, only while the service's containers mount them).
export async function removeAdoptedLeftovers(api: Api, entry: StateEntry): Promise<void> {
  if (typeof entry.originalImage === 'string') await removeUnusedImage(api, entry.originalImage);
}
