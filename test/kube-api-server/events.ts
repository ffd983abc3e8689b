// Core v1 Events as kubelet, scheduler and controllers record them: repeated events bump `count`.
import { randomBytes } from 'node:crypto';
import { rfc3339, type Cluster } from './cluster.js';
import type { KubeObject } from './store.js';

export interface EventSource {
  component: string;
  host?: string;
}

/** Record (or bump) an event about an object in its namespace. */
export function recordEvent(
  cluster: Cluster,
  involved: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  source: EventSource,
  fieldPath?: string,
): void {
  const ns = involved.metadata.namespace ?? 'default';
  const t = cluster.type('Event', 'v1');
  const existing = cluster.store
    .list(t, ns)
    .find(
      (e) =>
        (e.involvedObject as { uid?: string } | undefined)?.uid === involved.metadata.uid &&
        e.reason === reason &&
        e.message === message &&
        (e.source as EventSource | undefined)?.component === source.component,
    );
  const now = rfc3339();
  if (existing) {
    existing.count = ((existing.count as number | undefined) ?? 1) + 1;
    existing.lastTimestamp = now;
    cluster.controllerWrite(t, existing);
    return;
  }
  const event: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${involved.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: ns },
    involvedObject: {
      kind: involved.kind,
      namespace: involved.metadata.namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
      ...(fieldPath ? { fieldPath } : {}),
    },
    reason,
    message,
    source,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  };
  try {
    cluster.create(t, ns, event, { fieldManager: source.component });
  } catch {
    // The namespace may be terminating; real components drop such events too.
  }
}
