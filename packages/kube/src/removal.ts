// Waiting until deleted objects are gone (with the pods of deleted Deployments), and
// deleting a namespace pctl made once nothing of pctl's is left in it.
import { Events, MANAGED_BY, PctlError, STACK_LABEL, type Reporter } from '@pctl/core';
import { labelValue } from './objectNames.js';
import { describeObject, type KubeClient } from './client.js';
import { isNamespaced } from './manifests.js';
import { MANAGED_KINDS } from './object-refs.js';
import { sleep, type DeploymentLike } from './rollout.js';
import type { KubeObject } from './types.js';

/** Polling and deadline of a wait for deletions. */
export interface RemovalOptions {
  signal?: AbortSignal;
  pollMs?: number;
  timeoutMs?: number;
}

// Pods of one Deployment: their ReplicaSet is `<deployment>-<hash>`. The selector alone is
// not enough: during a rename the old and the new Deployment select the same pods' labels.
async function podsOfDeployment(client: KubeClient, d: KubeObject): Promise<number> {
  const match = ((d as DeploymentLike).spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  const selector = Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!selector) return 0;
  const prefix = `${d.metadata.name}-`;
  const pods = await client.list('v1', 'Pod', selector, d.metadata.namespace);
  return pods.filter((p) =>
    ((p.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[]).some(
      (r) => r.kind === 'ReplicaSet' && r.name?.startsWith(prefix) && /^[a-z0-9]+$/.test(r.name.slice(prefix.length)),
    ),
  ).length;
}

/** Waits until the objects (and pods of deleted Deployments) are gone. */
export async function waitGone(
  client: KubeClient,
  objects: KubeObject[],
  key: string,
  opts: RemovalOptions,
): Promise<void> {
  if (!objects.length) return;
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let left = objects;
  for (;;) {
    const still = await Promise.all(left.map(async (o) => ((await client.read(o)) ? o : undefined)));
    left = still.filter((o): o is KubeObject => Boolean(o));
    const podsLeft = await Promise.all(
      objects.filter((o) => o.kind === 'Deployment').map((o) => podsOfDeployment(client, o)),
    );
    if (!left.length && podsLeft.every((n) => n === 0)) return;
    if (Date.now() > deadline) {
      throw new PctlError({
        code: 'DeleteTimeout',
        exitCode: 1,
        message: `${key}: still there after ${Math.round((opts.timeoutMs ?? 300_000) / 1000)}s: ${left.map(describeObject).join(', ') || 'pods'}`,
        fault: 'environment',
        hint: 'look for finalizers that block the deletion',
      });
    }
    await sleep(opts.pollMs ?? 250);
  }
}

/**
 * Deletes a namespace pctl made for the stack, and waits until it is gone, when no object pctl
 * makes is left in it. Made by pctl means its live labels say so (a state entry is no proof).
 */
export async function deleteNamespaceIfUnused(
  client: KubeClient,
  namespace: string,
  key: string,
  opts: RemovalOptions & { reporter: Reporter; stack: string },
): Promise<void> {
  const live = await client.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (live?.metadata.labels?.[MANAGED_BY] !== 'pctl' || live.metadata.labels?.[STACK_LABEL] !== labelValue(opts.stack))
    return;
  const others = await Promise.all(
    MANAGED_KINDS.filter((k) => isNamespaced(k.kind)).map((k) =>
      client.list(k.apiVersion, k.kind, `${MANAGED_BY}=pctl`, namespace),
    ),
  );
  if (others.flat().length) return;
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
  let deleted: boolean;
  try {
    deleted = await client.delete(ns);
  } catch (e) {
    // Another service of the stack emptied it at the same moment and deletes it already.
    if ((e as PctlError).code !== 'KubeConflict') throw e;
    deleted = true;
  }
  if (deleted) {
    opts.reporter.info(`deleting namespace ${namespace} (created by pctl, now empty)`, key, Events.NamespaceDeleted);
    await waitGone(client, [ns], key, { signal: opts.signal, pollMs: opts.pollMs });
  }
}
