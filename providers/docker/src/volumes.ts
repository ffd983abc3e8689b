// A service's named volumes `<key>-storage[-i]`, owned as the ownership rule says
// (docs/using/reliability.md): created with the service's labels, reused only when the live
// volume carries them, removed only then. The one exception is the original pctl's
// unlabelled volume an adoption proved the service's containers mount: recorded by name,
// and taken (reused, removed) only while a container with all the service's labels mounts
// it (the engine keeps no creation time that stays put, and a state file is no proof).
import { PctlError, runPool, type StateEntry } from '@pctl/core';
import type { VolumeInspectInfo } from 'dockerode';
import { bodyOnly, pathPart, statusOf, type Api } from './api.js';
import { listByLabel, PARALLEL, stackFilters } from './containers.js';

/** A named volume a service mounts. */
export interface ServiceVolume {
  name: string;
  path: string;
}

// The named volumes of a service's `{path}` volumes (a host folder is bind-mounted instead).
export function serviceVolumes(
  key: string,
  volumes: { path: string; hostPath?: string }[] | undefined,
): ServiceVolume[] {
  return (volumes ?? []).flatMap((v, i) =>
    v.hostPath !== undefined ? [] : [{ name: `${key}-storage${i === 0 ? '' : `-${i}`}`, path: v.path }],
  );
}

// True when the live labels are this service's (all three pctl labels).
export function ownsLabels(labels: Record<string, string> | null | undefined, stack: string, key: string): boolean {
  return labels?.['managed-by'] === 'pctl' && labels['pctl-stack'] === stack && labels['pctl-service'] === key;
}

// The adopted volumes an entry records (anything else in the field is ignored).
function adoptedVolumes(entry: StateEntry | undefined): string[] {
  const list = entry?.adoptedVolumes;
  return Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : [];
}

async function inspectVolume(api: Api, name: string): Promise<VolumeInspectInfo | undefined> {
  api.log(`GET /volumes/${pathPart(name)}`);
  try {
    return await api.docker.getVolume(pathPart(name)).inspect();
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw api.fail(e, `inspecting volume ${name}`);
  }
}

// Of the entry's adopted volumes, those a container with all the service's labels mounts now.
export async function provenAdopted(
  api: Api,
  stack: string,
  key: string,
  entry: StateEntry | undefined,
): Promise<string[]> {
  const recorded = adoptedVolumes(entry);
  if (!recorded.length) return [];
  const filters = JSON.stringify({ label: stackFilters(stack, key) });
  const list = await api.call(`GET /containers/json?filters=${filters}`, 'listing containers', (d) =>
    d.listContainers({ all: true, filters }),
  );
  const mounted = new Set(
    list
      .filter((c) => ownsLabels(c.Labels, stack, key))
      .flatMap((c) => (c.Mounts ?? []).filter((m) => m.Type === 'volume').map((m) => m.Name)),
  );
  return recorded.filter((name) => mounted.has(name));
}

// Creates the service's volumes with its labels; an existing one is reused only when it
// carries them (or is an adopted original one its containers mount). Returns the adopted ones kept.
export async function ensureVolumes(
  api: Api,
  p: { stack: string; key: string; labels: Record<string, string>; volumes: ServiceVolume[]; previous?: StateEntry },
): Promise<string[]> {
  const adopted = new Set(await provenAdopted(api, p.stack, p.key, p.previous));
  const kept = await runPool(p.volumes, PARALLEL, async (v) => {
    // Creating an existing volume returns it unchanged (its labels too): inspect to know whose it is.
    await api.call(`POST /volumes/create (${v.name})`, `creating volume ${v.name}`, (d) =>
      d.createVolume(bodyOnly({ Name: v.name, Labels: p.labels })),
    );
    const live = await inspectVolume(api, v.name);
    if (live && ownsLabels(live.Labels, p.stack, p.key)) return undefined;
    if (adopted.has(v.name)) return v.name;
    throw new PctlError({
      code: 'VolumeNotOwned',
      exitCode: 1,
      fault: 'user',
      message: `${p.key}: the Docker volume ${v.name} exists without this service's pctl labels (managed-by=pctl, pctl-stack=${p.stack}, pctl-service=${p.key}): pctl mounts and removes only volumes it created`,
      hint: `move its data elsewhere and remove it (docker volume rm ${v.name}), then deploy again`,
    });
  });
  return kept.filter((v): v is string => v !== undefined);
}

// Of these volumes (the ones adopted containers were proven to mount), those without pctl's labels.
export async function unlabelledVolumes(api: Api, stack: string, key: string, names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    const live = await inspectVolume(api, name);
    if (live && !ownsLabels(live.Labels, stack, key)) out.push(name);
  }
  return out;
}

async function removeVolume(api: Api, name: string): Promise<void> {
  api.log(`DELETE /volumes/${pathPart(name)}`);
  try {
    await api.docker.getVolume(pathPart(name)).remove();
  } catch (e) {
    if (statusOf(e) !== 404) throw api.fail(e, `removing volume ${name}`);
  }
}

// Removes the service's volumes: those the live labels prove its own, and the adopted
// original ones `proven` (mounted by its containers before they were removed). Nothing is
// forced: the service's containers are gone, so a volume still in use is someone else's.
export async function removeVolumes(api: Api, stack: string, key: string, proven: string[]): Promise<void> {
  const labelled = (await listByLabel(api, 'volume', stackFilters(stack, key))).map((v) => v.name);
  await runPool([...new Set([...labelled, ...proven])], PARALLEL, (name) => removeVolume(api, name));
}
