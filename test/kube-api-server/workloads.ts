// Deployment and ReplicaSet controllers: rolling updates, revisions, pod creation, status and conditions.
import { rfc3339, type Cluster } from './cluster.js';
import { recordEvent } from './events.js';
import { clone, deepEqual } from './jsonValue.js';
import { structuredSelector } from './selectors.js';
import type { KubeObject, OwnerReference } from './store.js';
import type { Timing } from './timing.js';

const cm = { component: 'deployment-controller' };
const rsc = { component: 'replicaset-controller' };
const MANAGER = 'kube-controller-manager';
const safeChars = 'bcdfghjklmnpqrstvwxz2456789';

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    // A null field is an unset one, as for Go's structs: kubectl's rollout undo sends `creationTimestamp: null`.
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined && (v as Record<string, unknown>)[k] !== null)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** pod-template-hash as the deployment controller computes it: fnv32a of the template, digits mapped to safe characters. */
export function podTemplateHash(template: unknown): string {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(stableStringify(template))) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((c) => safeChars[c.charCodeAt(0) % safeChars.length]).join('');
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller);
}

function ownerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function podIsReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
  );
}

function resolveIntOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return Number(v ?? 0);
}

function revisionOf(rs: KubeObject): number {
  return Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

function setCondition(conds: Condition[], c: Condition, touch: boolean): Condition[] {
  const now = rfc3339();
  const old = conds.find((x) => x.type === c.type);
  const sameStatus = old && old.status === c.status;
  const same = sameStatus && old.reason === c.reason && old.message === c.message;
  const next: Condition = {
    ...c,
    lastUpdateTime: same && !touch ? old.lastUpdateTime : now,
    lastTransitionTime: sameStatus ? old.lastTransitionTime : now,
  };
  return [...conds.filter((x) => x.type !== c.type), next].sort((a, b) => (a.type < b.type ? -1 : 1));
}

export class WorkloadControllers {
  /** Deployment uid -> last time (ms) the rollout made progress, for ProgressDeadlineExceeded. */
  private lastProgress = new Map<string, { at: number; fingerprint: string }>();

  constructor(
    private readonly cluster: Cluster,
    private readonly timing: Timing,
  ) {}

  tick(): void {
    const dt = this.cluster.type('Deployment');
    for (const d of this.cluster.store.list(dt)) this.syncDeployment(d);
    const rt = this.cluster.type('ReplicaSet');
    for (const rs of this.cluster.store.list(rt)) this.syncReplicaSet(rs);
  }

  private ownedReplicaSets(d: KubeObject): KubeObject[] {
    const rt = this.cluster.type('ReplicaSet');
    const sel = structuredSelector(d.spec?.selector);
    const out: KubeObject[] = [];
    for (const rs of this.cluster.store.list(rt, d.metadata.namespace)) {
      const ref = controllerOf(rs);
      if (ref?.uid === d.metadata.uid) out.push(rs);
      else if (!ref && !rs.metadata.deletionTimestamp && sel(rs.metadata.labels ?? {})) {
        // Adopt orphans that match the selector, as after `delete --cascade=orphan` and re-create.
        rs.metadata.ownerReferences = [...(rs.metadata.ownerReferences ?? []), ownerRef(d)];
        const adopted = this.cluster.controllerWrite(rt, rs);
        if (adopted) out.push(adopted);
      }
    }
    return out;
  }

  private scaleRs(d: KubeObject, rs: KubeObject, replicas: number, maxReplicas: number): KubeObject {
    if (
      rs.spec?.replicas === replicas &&
      rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === String(d.spec?.replicas)
    )
      return rs;
    const rt = this.cluster.type('ReplicaSet');
    const from = rs.spec?.replicas ?? 0;
    const next = clone(rs);
    next.spec = { ...next.spec, replicas };
    next.metadata.annotations = {
      ...next.metadata.annotations,
      'deployment.kubernetes.io/desired-replicas': String(d.spec?.replicas ?? 1),
      'deployment.kubernetes.io/max-replicas': String(maxReplicas),
    };
    const out = this.cluster.controllerWrite(rt, next) ?? rs;
    if (from !== replicas) {
      recordEvent(
        this.cluster,
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
        cm,
      );
    }
    return out;
  }

  private syncDeployment(d: KubeObject): void {
    if (d.metadata.deletionTimestamp) return;
    const rt = this.cluster.type('ReplicaSet');
    const spec = d.spec ?? {};
    const desired: number = spec.replicas ?? 1;
    const hash = podTemplateHash(spec.template);
    let all = this.ownedReplicaSets(d).filter((rs) => !rs.metadata.deletionTimestamp);
    let newRs = all.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const maxRevision = Math.max(0, ...all.map(revisionOf));
    const strategy = spec.strategy ?? { type: 'RollingUpdate' };
    const maxSurge =
      strategy.type === 'Recreate' ? 0 : resolveIntOrPercent(strategy.rollingUpdate?.maxSurge ?? '25%', desired, true);
    let maxUnavailable =
      strategy.type === 'Recreate'
        ? desired
        : resolveIntOrPercent(strategy.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    let createdNew = false;

    if (!spec.paused) {
      if (!newRs) {
        const template = clone(spec.template ?? {});
        template.metadata = {
          ...template.metadata,
          labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
        };
        const rs: KubeObject = {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            namespace: d.metadata.namespace,
            labels: { ...template.metadata.labels },
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(desired),
              'deployment.kubernetes.io/max-replicas': String(desired + maxSurge),
              'deployment.kubernetes.io/revision': String(maxRevision + 1),
            },
            ownerReferences: [ownerRef(d)],
          },
          spec: {
            replicas: 0,
            minReadySeconds: spec.minReadySeconds ?? 0,
            selector: {
              ...spec.selector,
              matchLabels: { ...spec.selector?.matchLabels, 'pod-template-hash': hash },
            },
            template,
          },
        };
        try {
          newRs = this.cluster.create(rt, d.metadata.namespace, rs, { fieldManager: MANAGER });
          createdNew = true;
          all = [...all, newRs];
        } catch {
          return;
        }
      } else if (revisionOf(newRs) < maxRevision) {
        // Rolling back to an old template makes its ReplicaSet the newest revision again.
        newRs.metadata.annotations = {
          ...newRs.metadata.annotations,
          'deployment.kubernetes.io/revision': String(maxRevision + 1),
        };
        newRs = this.cluster.controllerWrite(rt, newRs) ?? newRs;
      }
      const olds = all.filter((rs) => rs !== newRs).sort((a, b) => revisionOf(a) - revisionOf(b));
      if (strategy.type === 'Recreate') {
        for (const o of olds) if ((o.spec?.replicas ?? 0) > 0) this.scaleRs(d, o, 0, desired);
        // Recreate waits until old pods are gone, terminating ones included.
        const oldUids = new Set(olds.map((o) => o.metadata.uid));
        const oldPodsRunning = this.cluster.store
          .list(this.cluster.type('Pod'), d.metadata.namespace)
          .some(
            (p) => oldUids.has(controllerOf(p)?.uid) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
          );
        if (!oldPodsRunning) newRs = this.scaleRs(d, newRs, desired, desired);
      } else {
        const allReplicas = (): number => [newRs!, ...olds].reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        const cur = newRs.spec?.replicas ?? 0;
        if (cur > desired) newRs = this.scaleRs(d, newRs, desired, desired + maxSurge);
        else if (cur < desired) {
          const room = Math.max(0, desired + maxSurge - allReplicas());
          newRs = this.scaleRs(d, newRs, Math.min(desired, cur + room), desired + maxSurge);
        }
        const minAvailable = desired - maxUnavailable;
        const newUnavailable = Math.max(0, (newRs.spec?.replicas ?? 0) - (newRs.status?.availableReplicas ?? 0));
        let budget = allReplicas() - minAvailable - newUnavailable;
        // Old pods that are not available can go first without hurting availability.
        for (const o of olds) {
          const unhealthy = Math.max(0, (o.spec?.replicas ?? 0) - (o.status?.availableReplicas ?? 0));
          if (unhealthy > 0 && budget > 0) {
            const by = Math.min(unhealthy, budget);
            budget -= by;
            this.scaleRs(d, o, (o.spec?.replicas ?? 0) - by, desired + maxSurge);
          }
        }
        const refreshed = olds.map((o) => this.cluster.store.get(rt, o.metadata.namespace, o.metadata.name ?? '') ?? o);
        for (const o of refreshed) {
          const r = o.spec?.replicas ?? 0;
          if (r > 0 && budget > 0) {
            const by = Math.min(r, budget);
            budget -= by;
            this.scaleRs(d, o, r - by, desired + maxSurge);
          }
        }
      }
      this.cleanupHistory(d, olds);
    }
    this.updateDeploymentStatus(d, newRs, desired, maxUnavailable, createdNew);
  }

  private cleanupHistory(d: KubeObject, olds: KubeObject[]): void {
    const limit: number = d.spec?.revisionHistoryLimit ?? 10;
    const rt = this.cluster.type('ReplicaSet');
    const idle = olds
      .map((o) => this.cluster.store.get(rt, o.metadata.namespace, o.metadata.name ?? ''))
      .filter((o): o is KubeObject => !!o && (o.spec?.replicas ?? 0) === 0 && (o.status?.replicas ?? 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const o of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.cluster.delete(rt, o.metadata.namespace, o.metadata.name ?? '', { propagationPolicy: 'Background' });
      } catch {
        // Already gone.
      }
    }
  }

  private updateDeploymentStatus(
    d: KubeObject,
    newRs: KubeObject | undefined,
    desired: number,
    maxUnavailable: number,
    createdNew: boolean,
  ): void {
    const dt = this.cluster.type('Deployment');
    const rt = this.cluster.type('ReplicaSet');
    const all = this.ownedReplicaSets(d).map(
      (rs) => this.cluster.store.get(rt, rs.metadata.namespace, rs.metadata.name ?? '') ?? rs,
    );
    const fresh = newRs ? all.find((rs) => rs.metadata.uid === newRs.metadata.uid) : undefined;
    const sum = (f: (rs: KubeObject) => number): number => all.reduce((n, rs) => n + f(rs), 0);
    const replicas = sum((rs) => rs.status?.replicas ?? 0);
    const readyReplicas = sum((rs) => rs.status?.readyReplicas ?? 0);
    const availableReplicas = sum((rs) => rs.status?.availableReplicas ?? 0);
    const updatedReplicas = fresh?.status?.replicas ?? 0;
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas,
      readyReplicas,
      availableReplicas,
      unavailableReplicas: Math.max(0, desired - availableReplicas),
    };
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'])
      if (status[k] === 0) delete status[k];
    let conds: Condition[] = clone((d.status?.conditions ?? []) as Condition[]);
    const available = availableReplicas >= desired - maxUnavailable;
    conds = setCondition(
      conds,
      available
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          },
      false,
    );
    const rsName = fresh?.metadata.name ?? '';
    const uid = d.metadata.uid ?? '';
    const fingerprint = JSON.stringify(
      all.map((rs) => [
        rs.metadata.name,
        rs.spec?.replicas,
        rs.status?.replicas,
        rs.status?.readyReplicas,
        rs.status?.availableReplicas,
      ]),
    );
    const prev = this.lastProgress.get(uid);
    const now = Date.now();
    const progressed = !prev || prev.fingerprint !== fingerprint;
    if (progressed) this.lastProgress.set(uid, { at: now, fingerprint });
    const complete =
      updatedReplicas === desired && replicas === desired && availableReplicas === desired && fresh !== undefined;
    const deadline = (d.spec?.progressDeadlineSeconds ?? 600) * this.timing.progressDeadlineMsPerSecond;
    const progressing = conds.find((c) => c.type === 'Progressing');
    if (d.spec?.paused) {
      conds = setCondition(
        conds,
        { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' },
        false,
      );
    } else if (complete) {
      conds = setCondition(
        conds,
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
        },
        false,
      );
    } else if (createdNew) {
      conds = setCondition(
        conds,
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetCreated',
          message: `Created new replica set "${rsName}"`,
        },
        true,
      );
    } else if (
      progressed ||
      !progressing ||
      progressing.reason === 'NewReplicaSetAvailable' ||
      progressing.reason === 'DeploymentPaused'
    ) {
      conds = setCondition(
        conds,
        {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          message: `ReplicaSet "${rsName}" is progressing.`,
        },
        progressed,
      );
    } else if (
      now - (this.lastProgress.get(uid)?.at ?? now) > deadline &&
      progressing.reason !== 'ProgressDeadlineExceeded'
    ) {
      conds = setCondition(
        conds,
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: `ReplicaSet "${rsName}" has timed out progressing.`,
        },
        false,
      );
      recordEvent(
        this.cluster,
        d,
        'Warning',
        'ProgressDeadlineExceeded',
        `Deployment "${d.metadata.name}" has timed out progressing.`,
        cm,
      );
    }
    status.conditions = conds;
    const next = clone(d);
    next.status = status;
    if (fresh) {
      next.metadata.annotations = {
        ...next.metadata.annotations,
        'deployment.kubernetes.io/revision': String(revisionOf(fresh)),
      };
    }
    if (!deepEqual(next, d)) this.cluster.controllerWrite(dt, next);
  }

  private syncReplicaSet(rs: KubeObject): void {
    if (rs.metadata.deletionTimestamp) return;
    const pt = this.cluster.type('Pod');
    const rt = this.cluster.type('ReplicaSet');
    const ns = rs.metadata.namespace;
    const sel = structuredSelector(rs.spec?.selector);
    const pods: KubeObject[] = [];
    for (const p of this.cluster.store.list(pt, ns)) {
      const ref = controllerOf(p);
      if (ref?.uid === rs.metadata.uid) pods.push(p);
      else if (
        !ref &&
        !p.metadata.deletionTimestamp &&
        sel(p.metadata.labels ?? {}) &&
        p.status?.phase !== 'Succeeded' &&
        p.status?.phase !== 'Failed'
      ) {
        p.metadata.ownerReferences = [...(p.metadata.ownerReferences ?? []), ownerRef(rs)];
        const adopted = this.cluster.controllerWrite(pt, p);
        if (adopted) pods.push(adopted);
      }
    }
    const active = pods.filter(
      (p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
    );
    const want: number = rs.spec?.replicas ?? 1;
    if (active.length < want) {
      for (let i = active.length; i < want; i++) {
        const tmpl = rs.spec?.template ?? {};
        const pod: KubeObject = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${rs.metadata.name}-`,
            namespace: ns,
            labels: { ...tmpl.metadata?.labels },
            ...(tmpl.metadata?.annotations ? { annotations: { ...tmpl.metadata.annotations } } : {}),
            ownerReferences: [ownerRef(rs)],
          },
          spec: clone(tmpl.spec),
        };
        try {
          const created = this.cluster.create(pt, ns, pod, { fieldManager: MANAGER });
          active.push(created);
          recordEvent(this.cluster, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, rsc);
        } catch (e) {
          recordEvent(this.cluster, rs, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`, rsc);
          break;
        }
      }
    } else if (active.length > want) {
      // Delete the least useful pods first: unscheduled, then not ready, then the newest.
      const rank = (p: KubeObject): number => (!p.spec?.nodeName ? 0 : !podIsReady(p) ? 1 : 2);
      const victims = [...active]
        .sort(
          (a, b) =>
            rank(a) - rank(b) ||
            String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
        )
        .slice(0, active.length - want);
      for (const p of victims) {
        try {
          this.cluster.delete(pt, ns, p.metadata.name ?? '', {});
          recordEvent(this.cluster, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, rsc);
        } catch {
          // Already gone.
        }
      }
    }
    const current = this.cluster.store
      .list(pt, ns)
      .filter((p) => controllerOf(p)?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp);
    const ready = current.filter(podIsReady).length;
    const status: Record<string, unknown> = {
      replicas: current.length,
      fullyLabeledReplicas: current.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'])
      if (status[k] === 0) delete status[k];
    if (!deepEqual(status, rs.status)) {
      const fresh = this.cluster.store.get(rt, ns, rs.metadata.name ?? '');
      if (fresh) {
        fresh.status = status;
        this.cluster.controllerWrite(rt, fresh);
      }
    }
  }
}
