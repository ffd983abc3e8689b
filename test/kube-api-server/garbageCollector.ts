// Garbage collection by ownerReferences, and the orphan / foregroundDeletion finalizers.
import type { Cluster } from './cluster.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './store.js';

export class GarbageCollector {
  constructor(private readonly cluster: Cluster) {}

  tick(): void {
    const all = this.cluster.store.all();
    const byUid = new Map<string, { t: ResourceType; obj: KubeObject }>();
    for (const e of all) byUid.set(e.obj.metadata.uid ?? '', e);
    const dependents = new Map<string, number>();
    for (const { t, obj } of all) {
      const refs = obj.metadata.ownerReferences ?? [];
      if (refs.length === 0) continue;
      for (const r of refs) dependents.set(r.uid, (dependents.get(r.uid) ?? 0) + 1);
      const owner = (uid: string): KubeObject | undefined => byUid.get(uid)?.obj;
      const deleting = (o: KubeObject | undefined, f: string): boolean =>
        !!o?.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(f);
      const dangling = refs.filter(
        (r) =>
          !owner(r.uid) ||
          ((owner(r.uid)?.metadata.namespace ?? obj.metadata.namespace) !== obj.metadata.namespace &&
            t.namespaced &&
            byUid.get(r.uid)?.t.namespaced),
      );
      const orphaning = refs.filter((r) => deleting(owner(r.uid), 'orphan'));
      const foreground = refs.filter((r) => deleting(owner(r.uid), 'foregroundDeletion'));
      const alive = refs.filter((r) => !dangling.includes(r) && !orphaning.includes(r) && !foreground.includes(r));
      if (alive.length === 0 && orphaning.length === 0 && !obj.metadata.deletionTimestamp) {
        // Every owner is gone or being deleted in the foreground: the dependent goes too.
        const policy = foreground.length > 0 ? 'Foreground' : 'Background';
        try {
          this.cluster.delete(t, obj.metadata.namespace, obj.metadata.name ?? '', { propagationPolicy: policy });
        } catch {
          // Raced with another deletion.
        }
        continue;
      }
      const drop = [...dangling, ...orphaning];
      if (drop.length > 0 && (alive.length > 0 || foreground.length > 0 || orphaning.length > 0)) {
        const next = { ...obj, metadata: { ...obj.metadata, ownerReferences: refs.filter((r) => !drop.includes(r)) } };
        if (next.metadata.ownerReferences.length === 0)
          delete (next.metadata as Record<string, unknown>).ownerReferences;
        this.cluster.controllerWrite(t, next);
      }
    }
    for (const { t, obj } of all) {
      if (!obj.metadata.deletionTimestamp) continue;
      const uid = obj.metadata.uid ?? '';
      const fins = obj.metadata.finalizers ?? [];
      if ((fins.includes('orphan') || fins.includes('foregroundDeletion')) && !dependents.has(uid)) {
        for (const f of ['orphan', 'foregroundDeletion']) if (fins.includes(f)) this.cluster.removeFinalizer(t, obj, f);
      }
    }
  }
}
