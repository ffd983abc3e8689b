// Destroying a service: every object it has (found by label, raw manifests' kinds from its
// state entry), dependents first, and the one-off pods a killed `pctl run` left; then waiting
// until they are gone, and releasing the storage classes and the namespace pctl made for it.
import { serviceKey, type Reporter } from '@pctl/core';
import { describeObject, type KubeClient } from './client.js';
import { kindOfRef, MANAGED_KINDS } from './object-refs.js';
import { runSelector } from './provider/inner/runPod.js';
import { deleteNamespaceIfUnused, waitGone } from './removal.js';
import { findServiceObjects } from './serviceObjects.js';
import { releaseStorageClasses, storageClassNames } from './shared-objects.js';
import type { KubeObject, KubeStateExtras } from './types.js';

/** Deletes everything of a service, waits until it is gone, and its namespace if pctl made it. */
export async function destroyService(
  client: KubeClient,
  p: {
    stack: string;
    service: string;
    entry: Partial<KubeStateExtras>;
    reporter: Reporter;
    signal?: AbortSignal;
    pollMs?: number;
    timeoutMs?: number;
  },
): Promise<void> {
  const key = serviceKey(p.stack, p.service);
  const extraKinds = (p.entry.objects ?? []).map(kindOfRef);
  const found = await findServiceObjects(client, p.stack, p.service, extraKinds);
  // Dependents first: the HPA and Service before the Deployment, RBAC and storage after it.
  const order = (o: KubeObject) => {
    const i = MANAGED_KINDS.findIndex((k) => k.kind === o.kind);
    return i < 0 ? -1 : i;
  };
  found.sort((a, b) => order(a) - order(b));
  for (const o of found) {
    p.reporter.debug(`deleting ${describeObject(o)}`, key);
    await client.delete(o, 'Foreground');
  }
  // One-off pods of `pctl run` a killed pctl left (they carry this service's one-off labels).
  const runPods: KubeObject[] = [];
  for (const ns of new Set([p.entry.namespace, ...found.map((o) => o.metadata.namespace)])) {
    if (!ns) continue;
    for (const pod of await client.list('v1', 'Pod', runSelector(p.stack, p.service), ns)) {
      p.reporter.debug(`deleting the one-off ${describeObject(pod)}`, key);
      await client.delete(pod, 'Background', 0);
      runPods.push(pod);
    }
  }
  await waitGone(client, [...found, ...runPods], key, {
    signal: p.signal,
    pollMs: p.pollMs,
    timeoutMs: p.timeoutMs,
  });
  await releaseStorageClasses(
    client,
    [...new Set([...(p.entry.storageClasses ?? []), ...storageClassNames(found)])],
    key,
    p.reporter,
  );
  const namespaces = new Set(
    [p.entry.namespace, ...found.map((o) => o.metadata.namespace)].filter((n): n is string => Boolean(n)),
  );
  for (const ns of namespaces) {
    await deleteNamespaceIfUnused(client, ns, key, {
      reporter: p.reporter,
      signal: p.signal,
      pollMs: p.pollMs,
      stack: p.stack,
    });
  }
}
