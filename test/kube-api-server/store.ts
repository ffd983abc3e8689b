// The object store: one resourceVersion counter for all objects, a change log for watches, and change listeners.
import { clone } from './jsonValue.js';
import type { ResourceType } from './resources.js';

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Record<string, any>;
  status?: Record<string, any>;
};

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
  [k: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  rv: number;
  type: WatchEventType;
  resource: ResourceType;
  object: KubeObject;
  /** The version before a MODIFIED change, so watches can tell an object leaving or entering their selector. */
  previous?: KubeObject;
}

const HISTORY = 5000;

export class Store {
  private objects = new Map<string, { t: ResourceType; obj: KubeObject }>();
  private rv = 1000;
  private history: ChangeEvent[] = [];
  private listeners = new Set<(e: ChangeEvent) => void>();

  private key(t: ResourceType, ns: string | undefined, name: string): string {
    return `${t.group}/${t.plural}/${t.namespaced ? (ns ?? '') : ''}/${name}`;
  }

  get currentResourceVersion(): string {
    return String(this.rv);
  }

  /** Oldest resourceVersion a watch can resume from. */
  get oldestWatchableVersion(): number {
    return this.history.length > 0 ? this.history[0].rv - 1 : this.rv;
  }

  get(t: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    return clone(this.objects.get(this.key(t, ns, name))?.obj);
  }

  /** Objects of a type, sorted by namespace then name (etcd key order); all namespaces when ns is undefined. */
  list(t: ResourceType, ns?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const { t: tt, obj } of this.objects.values()) {
      if (tt !== t) continue;
      if (ns !== undefined && t.namespaced && obj.metadata.namespace !== ns) continue;
      out.push(clone(obj));
    }
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
      ),
    );
  }

  /** Every object in every type, for the garbage collector and namespace finalisation. */
  all(): { t: ResourceType; obj: KubeObject }[] {
    return [...this.objects.values()].map(({ t, obj }) => ({ t, obj: clone(obj) }));
  }

  /** Store an object with a new resourceVersion; returns the stored copy. */
  put(t: ResourceType, obj: KubeObject): KubeObject {
    const k = this.key(t, obj.metadata.namespace, obj.metadata.name ?? '');
    const previous = this.objects.get(k)?.obj;
    this.rv++;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(this.rv);
    this.objects.set(k, { t, obj: stored });
    this.emit({
      rv: this.rv,
      type: previous ? 'MODIFIED' : 'ADDED',
      resource: t,
      object: clone(stored),
      ...(previous ? { previous } : {}),
    });
    return clone(stored);
  }

  remove(t: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    const k = this.key(t, ns, name);
    const entry = this.objects.get(k);
    if (!entry) return undefined;
    this.objects.delete(k);
    this.rv++;
    const last = clone(entry.obj);
    last.metadata.resourceVersion = String(this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', resource: t, object: clone(last) });
    return last;
  }

  /** Changes after a resourceVersion, or undefined when that version is older than the kept history (410 Gone). */
  changesSince(rv: number): ChangeEvent[] | undefined {
    if (rv < this.oldestWatchableVersion) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(fn: (e: ChangeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: ChangeEvent): void {
    this.history.push(e);
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    for (const l of [...this.listeners]) l(e);
  }
}
