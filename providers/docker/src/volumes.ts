// A service's named volumes `<key>-storage[-i]`, owned as the ownership rule says
// (docs/reliability.md): created with the service's labels, reused only when the live
// volume carries them, removed only then. The one exception is the original pctl's
// unlabelled volume an adoption proved the service's containers mount: recorded with its
// creation time, and taken (reused, removed) only while the live volume has that time.
import { PctlError, runPool, type StateEntry } from '@pctl/core';
import type { VolumeInspectInfo } from 'dockerode';
import { bodyOnly, pathPart, statusOf, type Api } from './api.js';
import { listByLabel, PARALLEL, stackFilters } from './containers.js';

/** A named volume a service mounts. */
export interface ServiceVolume {
  name: string;
  path: string;
}

/** An unlabelled volume of the original pctl an adoption took over, proven by its creation time. */
export interface AdoptedVolume {
  name: string;
  createdAt: string;
}

// The named volumes of a service's `{path}` volumes (a host folder is bind-mounted instead).
export function serviceVolumes(key: string, volumes: { path: string; hostPath?: string }[] | undefined): ServiceVolume[] {
  return (volumes ?? []).flatMap((v, i) => (v.hostPath !== undefined ? [] : [{ name: `${key}-storage${i === 0 ? '' : `-${i}`}`, path: v.path }]));
}

// True when the live labels are this service's (all three pctl labels).
export function ownsLabels(labels: Record<string, string> | null | undefined, stack: string, key: string): boolean {
  return labels?.['managed-by'] === 'pctl' && labels['pctl-stack'] === stack && labels['pctl-service'] === key;
}

// The adopted volumes an entry records (anything else in the field is ignored).
export function adoptedVolumes(entry: StateEntry | undefined): AdoptedVolume[] {
  const list = entry?.adoptedVolumes;
  if (!Array.isArray(list)) return [];
  return list.filter((v): v is AdoptedVolume => typeof v?.name === 'string' && typeof v?.createdAt === 'string' && v.createdAt !== '');
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

// Creates the service's volumes with its labels; an existing one is reused only when it
// carries them (or is the adopted original's, same creation time). Returns the adopted ones kept.
export async function ensureVolumes(api: Api, p: { stack: string; key: string; labels: Record<string, string>; volumes: ServiceVolume[]; previous?: StateEntry }): Promise<AdoptedVolume[]> {
  const adopted = adoptedVolumes(p.previous);
  const kept = await runPool(p.volumes, PARALLEL, async (v) => {
    // Creating an existing volume returns it unchanged (its labels too): inspect to know whose it is.
    await api.call(`POST /volumes/create (${v.name})`, `creating volume ${v.name}`, (d) => d.createVolume(bodyOnly({ Name: v.name, Labels: p.labels })));
    const live = await inspectVolume(api, v.name);
    if (live && ownsLabels(live.Labels, p.stack, p.key)) return undefined;
    const original = adopted.find((a) => a.name === v.name && live && (live as { CreatedAt?: string }).CreatedAt === a.createdAt);
    if (original) return original;
    throw new PctlError({
      code: 'VolumeNotOwned',
      exitCode: 1,
      fault: 'user',
      message: `${p.key}: the Docker volume ${v.name} exists without this service's pctl labels (managed-by=pctl, pctl-stack=${p.stack}, pctl-service=${p.key}): pctl mounts and removes only volumes it created`,
      hint: `move its data elsewhere and remove it (docker volume rm ${v.name}), then deploy again`,
    });
  });
  return kept.filter((v): v is AdoptedVolume => v !== undefined);
}

// The creation time of each of these volumes that exists without pctl's labels (the
// original's, which the adopted containers were proven to mount).
export async function unlabelledVolumes(api: Api, stack: string, key: string, names: string[]): Promise<AdoptedVolume[]> {
  const out: AdoptedVolume[] = [];
  for (const name of names) {
    const live = await inspectVolume(api, name);
    const createdAt = (live as { CreatedAt?: string } | undefined)?.CreatedAt;
    if (live && createdAt && !ownsLabels(live.Labels, stack, key)) out.push({ name, createdAt });
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

// Removes the service's volumes: those the live labels prove its own, and an adopted
// original one whose creation time is still the recorded one. Nothing is forced: the
// service's containers are gone, so a volume still in use belongs to someone else.
export async function removeVolumes(api: Api, stack: string, key: string, entry: StateEntry): Promise<void> {
  const labelled = (await listByLabel(api, 'volume', stackFilters(stack, key))).map((v) => v.name);
  const original: string[] = [];
  for (const a of adoptedVolumes(entry)) {
    const live = await inspectVolume(api, a.name);
    if (live && (live as { CreatedAt?: string }).CreatedAt === a.createdAt) original.push(a.name);
  }
  await runPool([...new Set([...labelled, ...original])], PARALLEL, (name) => removeVolume(api, name));
}
