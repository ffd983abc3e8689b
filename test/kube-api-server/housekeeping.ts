// Smaller controllers: namespace lifecycle and defaults, PVC binding, LoadBalancer IPs, Endpoints, Jobs.
import { rfc3339, type Cluster } from './cluster.js';
import { recordEvent } from './events.js';
import { clone, deepEqual } from './jsonValue.js';
import { structuredSelector } from './selectors.js';
import type { KubeObject } from './store.js';
import type { Timing } from './timing.js';
import { controllerOf, podIsReady } from './workloads.js';

const MANAGER = 'kube-controller-manager';
export const ROOT_CA_PEM =
  '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBCwUAMBExDzANBgNVBAMMBnRl\nc3RjYTAeFw0yNTAxMDEwMDAwMDBaFw0zNTAxMDEwMDAwMDBaMBExDzANBgNVBAMM\nBnRlc3RjYQ==\n-----END CERTIFICATE-----\n';

export class Housekeeping {
  private emptySince = new Map<string, number>();
  private firstSeen = new Map<string, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly timing: Timing,
  ) {}

  tick(): void {
    this.namespaces();
    this.persistentVolumeClaims();
    this.services();
    this.jobs();
  }

  private seen(uid: string, now: number): number {
    let t = this.firstSeen.get(uid);
    if (t === undefined) {
      t = now;
      this.firstSeen.set(uid, t);
    }
    return t;
  }

  private namespaces(): void {
    const nt = this.cluster.type('Namespace');
    const now = Date.now();
    for (const ns of this.cluster.store.list(nt)) {
      const name = ns.metadata.name ?? '';
      if (!ns.metadata.deletionTimestamp) {
        this.ensureDefaults(name);
        continue;
      }
      const remaining = this.cluster.store
        .all()
        .filter(({ t, obj }) => t.namespaced && obj.metadata.namespace === name);
      for (const { t, obj } of remaining) {
        if (obj.metadata.deletionTimestamp) continue;
        try {
          this.cluster.delete(t, name, obj.metadata.name ?? '', { propagationPolicy: 'Background' });
        } catch {
          // Deleted by the garbage collector in the meantime.
        }
      }
      const counts = new Map<string, number>();
      const finalizerCounts = new Map<string, number>();
      for (const { t, obj } of remaining) {
        const key = t.group ? `${t.plural}.${t.group}` : `${t.plural}.`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        for (const f of obj.metadata.finalizers ?? []) finalizerCounts.set(f, (finalizerCounts.get(f) ?? 0) + 1);
      }
      const cond = (type: string, status: string, reason: string, message: string): Record<string, unknown> => {
        const old = (ns.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
        return {
          type,
          status,
          lastTransitionTime: old && old.status === status ? old.lastTransitionTime : rfc3339(),
          reason,
          message,
        };
      };
      const conditions = [
        cond(
          'NamespaceDeletionDiscoveryFailure',
          'False',
          'ResourcesDiscovered',
          'All resources successfully discovered',
        ),
        cond(
          'NamespaceDeletionGroupVersionParsingFailure',
          'False',
          'ParsedGroupVersions',
          'All legacy kube types successfully parsed',
        ),
        cond(
          'NamespaceDeletionContentFailure',
          'False',
          'ContentDeleted',
          'All content successfully deleted, may be waiting on finalization',
        ),
        counts.size > 0
          ? cond(
              'NamespaceContentRemaining',
              'True',
              'SomeResourcesRemain',
              `Some resources are remaining: ${[...counts].map(([k, n]) => `${k} has ${n} resource instances`).join(', ')}`,
            )
          : cond('NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed'),
        finalizerCounts.size > 0
          ? cond(
              'NamespaceFinalizersRemaining',
              'True',
              'SomeFinalizersRemain',
              `Some content in the namespace has finalizers remaining: ${[...finalizerCounts].map(([k, n]) => `${k} in ${n} resource instances`).join(', ')}`,
            )
          : cond(
              'NamespaceFinalizersRemaining',
              'False',
              'ContentHasNoFinalizers',
              'All content-preserving finalizers finished',
            ),
      ];
      if (!deepEqual(conditions, ns.status?.conditions)) {
        const fresh = this.cluster.store.get(nt, undefined, name);
        if (fresh) {
          fresh.status = { ...fresh.status, phase: 'Terminating', conditions };
          this.cluster.controllerWrite(nt, fresh);
        }
      }
      if (remaining.length > 0) {
        this.emptySince.delete(name);
        continue;
      }
      const since = this.emptySince.get(name) ?? now;
      this.emptySince.set(name, since);
      if (now - since < this.timing.namespaceFinalizeMs) continue;
      const fresh = this.cluster.store.get(nt, undefined, name);
      if (!fresh) continue;
      if ((fresh.metadata.finalizers ?? []).length > 0) {
        if ((fresh.spec?.finalizers ?? []).length > 0) {
          fresh.spec = { ...fresh.spec, finalizers: [] };
          this.cluster.controllerWrite(nt, fresh);
        }
        continue;
      }
      this.cluster.store.remove(nt, undefined, name);
      this.emptySince.delete(name);
    }
  }

  /** Every namespace gets a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap. */
  private ensureDefaults(ns: string): void {
    const sat = this.cluster.type('ServiceAccount');
    const cmt = this.cluster.type('ConfigMap');
    try {
      if (!this.cluster.store.get(sat, ns, 'default'))
        this.cluster.create(sat, ns, { metadata: { name: 'default' } }, { fieldManager: MANAGER });
      if (!this.cluster.store.get(cmt, ns, 'kube-root-ca.crt')) {
        this.cluster.create(
          cmt,
          ns,
          {
            metadata: {
              name: 'kube-root-ca.crt',
              annotations: {
                'kubernetes.io/description':
                  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
              },
            },
            data: { 'ca.crt': ROOT_CA_PEM },
          },
          { fieldManager: MANAGER },
        );
      }
    } catch {
      // The namespace started terminating.
    }
  }

  private persistentVolumeClaims(): void {
    const ct = this.cluster.type('PersistentVolumeClaim');
    const vt = this.cluster.type('PersistentVolume');
    const now = Date.now();
    for (const pvc of this.cluster.store.list(ct)) {
      if (pvc.status?.phase !== 'Pending' || pvc.metadata.deletionTimestamp) continue;
      if (now - this.seen(pvc.metadata.uid ?? '', now) < this.timing.pvcBindMs) continue;
      const storage = pvc.spec?.resources?.requests?.storage ?? '1Gi';
      // A claim naming its volume (static provisioning: NFS, EFS, Filestore) binds to that
      // volume once it exists, as the PV controller does; nothing is provisioned for it.
      const preBound = pvc.spec?.volumeName as string | undefined;
      if (preBound) {
        if (!this.cluster.store.get(vt, undefined, preBound)) continue;
        const bound = clone(pvc);
        bound.metadata.annotations = { ...bound.metadata.annotations, 'pv.kubernetes.io/bind-completed': 'yes' };
        bound.status = {
          phase: 'Bound',
          accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
          capacity: { storage },
        };
        this.cluster.controllerWrite(ct, bound);
        continue;
      }
      const volumeName = `pvc-${pvc.metadata.uid}`;
      try {
        this.cluster.create(
          vt,
          undefined,
          {
            metadata: {
              name: volumeName,
              annotations: { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' },
              finalizers: ['kubernetes.io/pv-protection'],
            },
            spec: {
              capacity: { storage },
              accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
              persistentVolumeReclaimPolicy: 'Delete',
              storageClassName: pvc.spec?.storageClassName,
              volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
              hostPath: { path: `/var/local-path-provisioner/${volumeName}`, type: 'DirectoryOrCreate' },
              claimRef: {
                apiVersion: 'v1',
                kind: 'PersistentVolumeClaim',
                name: pvc.metadata.name,
                namespace: pvc.metadata.namespace,
                uid: pvc.metadata.uid,
              },
            },
          },
          { fieldManager: MANAGER },
        );
      } catch {
        // Already provisioned.
      }
      const next = clone(pvc);
      next.spec = { ...next.spec, volumeName };
      next.metadata.annotations = {
        ...next.metadata.annotations,
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
      };
      next.status = { phase: 'Bound', accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'], capacity: { storage } };
      this.cluster.controllerWrite(ct, next);
    }
    for (const pv of this.cluster.store.list(vt)) {
      if (!pv.status?.phase) {
        pv.status = { phase: pv.spec?.claimRef ? 'Bound' : 'Available' };
        this.cluster.controllerWrite(vt, pv);
      }
      if (pv.metadata.deletionTimestamp) this.cluster.removeFinalizer(vt, pv, 'kubernetes.io/pv-protection');
      const ref = pv.spec?.claimRef;
      if (ref && pv.spec?.persistentVolumeReclaimPolicy === 'Delete' && !pv.metadata.deletionTimestamp) {
        const claim = this.cluster.store.get(ct, ref.namespace, ref.name);
        if (!claim || claim.metadata.uid !== ref.uid) this.cluster.delete(vt, undefined, pv.metadata.name ?? '', {});
      }
    }
  }

  private services(): void {
    const st = this.cluster.type('Service');
    const et = this.cluster.type('Endpoints');
    const pt = this.cluster.type('Pod');
    const now = Date.now();
    for (const svc of this.cluster.store.list(st)) {
      if (svc.metadata.deletionTimestamp) continue;
      const ns = svc.metadata.namespace;
      if (svc.spec?.type === 'LoadBalancer' && !svc.status?.loadBalancer?.ingress) {
        if (now - this.seen(svc.metadata.uid ?? '', now) >= this.timing.loadBalancerMs) {
          const next = clone(svc);
          const n = (svc.metadata.uid ?? '').charCodeAt(0) % 200;
          next.status = { loadBalancer: { ingress: [{ ip: `172.18.255.${n + 1}`, ipMode: 'VIP' }] } };
          this.cluster.controllerWrite(st, next);
        }
      }
      if (!svc.spec?.selector) continue;
      const sel = structuredSelector({ matchLabels: svc.spec.selector });
      const pods = this.cluster.store
        .list(pt, ns)
        .filter((p) => sel(p.metadata.labels ?? {}) && p.status?.podIP && !p.metadata.deletionTimestamp);
      const addr = (p: KubeObject): Record<string, unknown> => ({
        ip: p.status?.podIP,
        nodeName: p.spec?.nodeName,
        targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid },
      });
      const ready = pods.filter(podIsReady).map(addr);
      const notReady = pods.filter((p) => !podIsReady(p)).map(addr);
      const ports = (svc.spec.ports ?? []).map((p: Record<string, unknown>) => ({
        ...(p.name ? { name: p.name } : {}),
        port: typeof p.targetPort === 'number' ? p.targetPort : p.port,
        protocol: p.protocol ?? 'TCP',
      }));
      const subsets =
        pods.length === 0
          ? undefined
          : [
              {
                ...(ready.length ? { addresses: ready } : {}),
                ...(notReady.length ? { notReadyAddresses: notReady } : {}),
                ports,
              },
            ];
      const existing = this.cluster.store.get(et, ns, svc.metadata.name ?? '');
      try {
        if (!existing) {
          this.cluster.create(
            et,
            ns,
            {
              metadata: { name: svc.metadata.name, labels: { ...svc.metadata.labels } },
              ...(subsets ? { subsets } : {}),
            },
            { fieldManager: MANAGER },
          );
        } else if (!deepEqual(existing.subsets, subsets)) {
          const next = clone(existing);
          if (subsets) next.subsets = subsets;
          else delete next.subsets;
          this.cluster.controllerWrite(et, next);
        }
      } catch {
        // Namespace terminating.
      }
    }
    for (const ep of this.cluster.store.list(et)) {
      if (
        !this.cluster.store.get(st, ep.metadata.namespace, ep.metadata.name ?? '') &&
        !ep.metadata.deletionTimestamp
      ) {
        try {
          this.cluster.delete(et, ep.metadata.namespace, ep.metadata.name ?? '', {});
        } catch {
          // Already gone.
        }
      }
    }
  }

  /** Jobs run one pod at a time until `completions` pods succeed or `backoffLimit` pods fail. */
  private jobs(): void {
    const jt = this.cluster.type('Job');
    const pt = this.cluster.type('Pod');
    for (const job of this.cluster.store.list(jt)) {
      if (job.metadata.deletionTimestamp || job.spec?.suspend) continue;
      const ns = job.metadata.namespace;
      const done = (job.status?.conditions ?? []).some(
        (c: { type: string; status: string }) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      );
      const pods = this.cluster.store.list(pt, ns).filter((p) => controllerOf(p)?.uid === job.metadata.uid);
      const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
      const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
      const active = pods.filter(
        (p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
      );
      const completions: number = job.spec?.completions ?? 1;
      const backoffLimit: number = job.spec?.backoffLimit ?? 6;
      const now = rfc3339();
      const status: Record<string, unknown> = { ...(job.status ?? {}), startTime: job.status?.startTime ?? now };
      // activeDeadlineSeconds: past it, the active pods are deleted and the Job fails (DeadlineExceeded).
      const deadline: number | undefined = job.spec?.activeDeadlineSeconds;
      const pastDeadline =
        !done &&
        succeeded < completions &&
        deadline !== undefined &&
        Date.now() - Date.parse(String(status.startTime)) >= deadline * 1000;
      if (pastDeadline) {
        for (const p of active) {
          try {
            this.cluster.delete(pt, ns, p.metadata.name ?? '', {});
          } catch {
            // Already gone.
          }
        }
        const message = 'Job was active longer than specified deadline';
        status.active = undefined;
        status.conditions = ['FailureTarget', 'Failed'].map((type) => ({
          type,
          status: 'True',
          lastProbeTime: now,
          lastTransitionTime: now,
          reason: 'DeadlineExceeded',
          message,
        }));
        recordEvent(this.cluster, job, 'Warning', 'DeadlineExceeded', message, { component: 'job-controller' });
        const fresh = this.cluster.store.get(jt, ns, job.metadata.name ?? '');
        if (fresh) {
          fresh.status = JSON.parse(JSON.stringify(status)) as Record<string, unknown>;
          this.cluster.controllerWrite(jt, fresh);
        }
        continue;
      }
      if (!done && active.length === 0 && succeeded < completions && failed <= backoffLimit) {
        const tmpl = job.spec?.template ?? {};
        try {
          const pod = this.cluster.create(
            pt,
            ns,
            {
              metadata: {
                generateName: `${job.metadata.name}-`,
                labels: {
                  ...tmpl.metadata?.labels,
                  'batch.kubernetes.io/job-name': job.metadata.name ?? '',
                  'job-name': job.metadata.name ?? '',
                  'batch.kubernetes.io/controller-uid': job.metadata.uid ?? '',
                },
                ownerReferences: [
                  {
                    apiVersion: 'batch/v1',
                    kind: 'Job',
                    name: job.metadata.name ?? '',
                    uid: job.metadata.uid ?? '',
                    controller: true,
                    blockOwnerDeletion: true,
                  },
                ],
              },
              spec: clone(tmpl.spec),
            },
            { fieldManager: MANAGER },
          );
          recordEvent(this.cluster, job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, {
            component: 'job-controller',
          });
        } catch {
          continue;
        }
      }
      status.active = active.length || undefined;
      status.succeeded = succeeded || undefined;
      status.failed = failed || undefined;
      status.ready = active.filter(podIsReady).length;
      if (!done && succeeded >= completions) {
        status.completionTime = now;
        status.conditions = [
          {
            type: 'SuccessCriteriaMet',
            status: 'True',
            lastProbeTime: now,
            lastTransitionTime: now,
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
          },
          {
            type: 'Complete',
            status: 'True',
            lastProbeTime: now,
            lastTransitionTime: now,
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
          },
        ];
        recordEvent(this.cluster, job, 'Normal', 'Completed', 'Job completed', { component: 'job-controller' });
      } else if (!done && failed > backoffLimit) {
        status.conditions = [
          {
            type: 'FailureTarget',
            status: 'True',
            lastProbeTime: now,
            lastTransitionTime: now,
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
          {
            type: 'Failed',
            status: 'True',
            lastProbeTime: now,
            lastTransitionTime: now,
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          },
        ];
        recordEvent(
          this.cluster,
          job,
          'Warning',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
          { component: 'job-controller' },
        );
      }
      const clean = JSON.parse(JSON.stringify(status)) as Record<string, unknown>;
      if (!deepEqual(clean, job.status)) {
        const fresh = this.cluster.store.get(jt, ns, job.metadata.name ?? '');
        if (fresh) {
          fresh.status = clean;
          this.cluster.controllerWrite(jt, fresh);
        }
      }
    }
  }
}
