// Finding a stack's services in a cluster by its label (recovery, orphan checks, and the
// providers' `discover`, which asks each cluster the stack's services use once).
import { SERVICE_LABEL } from '@pctl/core';
import type { KubeClient } from './client.js';
import { KEY_ANNOTATION, stackSelector } from './objectNames.js';
import { MANAGED_KINDS } from './object-refs.js';

/** Every service of a stack that has objects in the cluster (recovery, orphan checks). */
export async function discoverServices(
  client: KubeClient,
  stack: string,
): Promise<{ key: string; kind: string; name: string }[]> {
  const selector = stackSelector(stack);
  const lists = await Promise.all(MANAGED_KINDS.map((k) => client.list(k.apiVersion, k.kind, selector)));
  return lists
    .flat()
    .map((o) => ({
      key: o.metadata.annotations?.[KEY_ANNOTATION] ?? o.metadata.labels?.[SERVICE_LABEL] ?? '',
      kind: o.kind,
      name: `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`,
    }))
    .filter((r) => r.key);
}

/**
 * `discover` for a Kubernetes provider: the stack's services in every cluster its
 * services use, each cluster asked once (`clusterId` names it, `client` reaches it).
 */
export async function discoverStack<O>(
  services: { provider: { name: string; options?: Record<string, unknown> } }[],
  stack: string,
  provider: string,
  parse: (raw: Record<string, unknown> | undefined) => O,
  clusterId: (o: O) => string,
  client: (o: O) => KubeClient | Promise<KubeClient>,
): Promise<{ key: string; kind: string; name: string }[]> {
  const seen = new Set<string>();
  const out: { key: string; kind: string; name: string }[] = [];
  for (const svc of services) {
    if (svc.provider.name !== provider) continue;
    const o = parse(svc.provider.options);
    const id = clusterId(o);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(...(await discoverServices(await client(o), stack)));
  }
  return out;
}
