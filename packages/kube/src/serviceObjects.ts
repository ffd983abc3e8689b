// A service's objects in the cluster, found by its labels in every namespace: what deploy
// prunes and destroy deletes, so a namespace move, a rename or a crash leaves nothing behind.
import type { KubeClient } from './client.js';
import { serviceSelector } from './objectNames.js';
import { MANAGED_KINDS, parseKind } from './object-refs.js';
import type { KubeObject } from './types.js';

/** Every object of a service that exists now, found by its labels in all namespaces. */
export async function findServiceObjects(
  client: KubeClient,
  stack: string,
  service: string,
  extraKinds: string[] = [],
): Promise<KubeObject[]> {
  const kinds = new Map(MANAGED_KINDS.map((k) => [`${k.apiVersion}/${k.kind}`, k]));
  for (const k of extraKinds) {
    const { apiVersion, kind } = parseKind(k);
    if (kind !== 'Namespace') kinds.set(`${apiVersion}/${kind}`, { apiVersion, kind });
  }
  const selector = serviceSelector(stack, service);
  const lists = await Promise.all([...kinds.values()].map((k) => client.list(k.apiVersion, k.kind, selector)));
  return lists.flat();
}
