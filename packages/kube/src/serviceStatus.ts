// A service's status on Kubernetes (`pctl status`): its Deployment's available replicas and
// the state of each of its pods.
import type { KubeClient } from './client.js';
import { legacyObjectNames, serviceObjectNames, serviceSelector } from './objectNames.js';
import type { DeploymentLike, PodLike } from './rollout.js';

/** Pods of a service with their states, for `pctl status`. */
export async function serviceStatus(
  client: KubeClient,
  stack: string,
  service: string,
  namespace: string,
): Promise<{
  state: 'running' | 'degraded' | 'missing';
  detail: string;
  resources: { name: string; state: string }[];
}> {
  // Under its name, else under the name an earlier pctl version gave it (until the next deploy renames it).
  const name = serviceObjectNames(stack, service).workload;
  const read = (n: string) =>
    client.read<DeploymentLike>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: n, namespace } });
  const d = (await read(name)) ?? (await read(legacyObjectNames(stack, service).workload));
  if (!d) return { state: 'missing', detail: `no deployment ${namespace}/${name}`, resources: [] };
  const pods = (await client.list(
    'v1',
    'Pod',
    serviceSelector(stack, service).split(',').slice(1).join(','),
    namespace,
  )) as unknown as PodLike[];
  const want = d.spec?.replicas ?? 1;
  const available = d.status?.availableReplicas ?? 0;
  return {
    state: available >= want ? 'running' : 'degraded',
    detail: `${available}/${want} available in ${namespace}`,
    resources: pods.map((p) => ({
      name: p.metadata.name,
      state: p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? p.status?.phase ?? 'Unknown',
    })),
  };
}
