// The skeleton's `sync` verb: where a service's pods are (its cluster, looked up once per
// provider: while watching, sync is called about once a second, and EKS or GKE would be
// asked each time), and which containers have had every file, kept for the provider's life.
import { PctlError, type ProviderV1 } from '@pctl/core';
import type { KubeClient } from '../../client.js';
import { syncPods } from './sync.js';

type SyncParams = Parameters<NonNullable<ProviderV1['sync']>>[0];

/** Where the skeleton finds a service's pods (the cluster, namespace and service its state entry records). */
export interface SyncPlace {
  namespace: string;
  service: string;
  connect(): Promise<KubeClient | undefined>;
}

/** A `sync` verb on `place`, which the skeleton computes from its options and the state entry. */
export function kubeSyncVerb(
  place: (p: SyncParams) => SyncPlace,
): (p: SyncParams) => Promise<{ containers: string[]; full: string[] }> {
  const synced = new Map<string, Set<string>>();
  const clients = new Map<string, KubeClient>();
  return async (p) => {
    const where = place(p);
    const client = clients.get(p.key) ?? (await where.connect());
    if (!client)
      throw new PctlError({
        code: 'NotRunning',
        message: `${p.key}: the cluster it was deployed to is gone`,
        fault: 'environment',
        exitCode: 1,
        hint: 'pctl status shows what runs; pctl deploy starts it',
      });
    clients.set(p.key, client);
    if (!synced.has(p.key)) synced.set(p.key, new Set());
    return syncPods({
      ...p,
      client,
      namespace: where.namespace,
      stack: p.ctx.stack,
      service: where.service,
      synced: synced.get(p.key)!,
    });
  };
}
