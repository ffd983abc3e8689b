// Cluster objects several stacks use at once (the StorageClasses `efs-sc` and `gp3`): made
// when missing and then left as they are, never applied over (their fields are immutable
// and may be another stack's or the cluster admin's), and deleted only when pctl made them
// and no PersistentVolume or claim in the cluster uses them any more; the classes a
// service's volumes and claims name are the ones its deploy or destroy may release.
import { Events, MANAGED_BY, PctlError, type Reporter } from '@pctl/core';
import type { KubeClient } from './client.js';
import { SHARED_ANNOTATION } from './storage.js';
import type { KubeObject } from './types.js';

/** Creates a shared object unless one of that name exists; true when created now. */
export async function ensureShared(
  client: KubeClient,
  o: KubeObject,
  key: string,
  reporter: Reporter,
): Promise<boolean> {
  if (await client.read(o)) return false;
  try {
    await client.create(o);
  } catch (e) {
    // Another stack created it a moment ago.
    if ((e as PctlError).code === 'KubeConflict') return false;
    throw e;
  }
  reporter.info(
    `created ${o.kind} ${o.metadata.name} (shared by every stack that needs it)`,
    key,
    Events.SharedObjectCreated,
  );
  return true;
}

/** Deletes each StorageClass pctl made that no PersistentVolume or claim in the cluster names any more. */
export async function releaseStorageClasses(
  client: KubeClient,
  names: readonly string[],
  key: string,
  reporter: Reporter,
): Promise<void> {
  if (!names.length) return;
  const [pvs, pvcs] = await Promise.all([
    client.list('v1', 'PersistentVolume', ''),
    client.list('v1', 'PersistentVolumeClaim', ''),
  ]);
  const used = new Set(
    [...pvs, ...pvcs].map((o) => (o.spec as { storageClassName?: string } | undefined)?.storageClassName),
  );
  for (const name of names) {
    if (used.has(name)) continue;
    const sc = await client.read({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name } });
    if (!sc || sc.metadata.labels?.[MANAGED_BY] !== 'pctl' || sc.metadata.annotations?.[SHARED_ANNOTATION] !== 'true')
      continue;
    reporter.info(
      `deleting StorageClass ${name} (made by pctl, no volume uses it any more)`,
      key,
      Events.SharedObjectDeleted,
    );
    await client.delete(sc);
  }
}

/** The storage classes the volumes and claims among `objects` name. */
export function storageClassNames(objects: readonly KubeObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'PersistentVolume' || o.kind === 'PersistentVolumeClaim')
    .map((o) => (o.spec as { storageClassName?: string } | undefined)?.storageClassName)
    .filter((n): n is string => Boolean(n));
}
