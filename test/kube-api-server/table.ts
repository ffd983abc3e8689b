// Server-side printing: meta.k8s.io Table answers (what `kubectl get` asks for), with the columns kube-apiserver's printers use.
import type { KubeObject } from './store.js';
import type { ResourceType } from './resources.js';

type Obj = Record<string, any>;

interface Column {
  name: string;
  type?: string;
  format?: string;
  priority?: number;
  cell: (o: Obj) => unknown;
}

/** The Table version a request's Accept header asks for (`as=Table;g=meta.k8s.io;v=v1`), if any. */
export function tableVersionWanted(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = Object.fromEntries(
      part
        .split(';')
        .slice(1)
        .map((p) =>
          p
            .trim()
            .split('=')
            .map((x) => x.trim()),
        ),
    );
    if (params.as === 'Table' && params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1'))
      return params.v;
  }
  return undefined;
}

/** Go's duration.HumanDuration, as kubectl's AGE column shows it. */
export function humanDuration(ms: number): string {
  const s = Math.trunc(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const age = (o: Obj): string =>
  o.metadata?.creationTimestamp ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)) : '<unknown>';
const name: Column = { name: 'Name', format: 'name', cell: (o) => o.metadata?.name };
const ageColumn: Column = { name: 'Age', cell: age };
const none = (v: unknown): string =>
  v === undefined || v === '' || (Array.isArray(v) && v.length === 0) ? '<none>' : String(v);
const count = (v: unknown): number => (v && typeof v === 'object' ? Object.keys(v).length : 0);

/** The STATUS of kubectl get pods, as kube-apiserver's printPod derives it. */
function podStatus(p: Obj): string {
  let reason: string = p.status?.reason || p.status?.phase || 'Pending';
  let hasRunning = false;
  for (const c of [...((p.status?.containerStatuses ?? []) as Obj[])].reverse()) {
    const st = c.state ?? {};
    if (st.waiting?.reason) reason = st.waiting.reason;
    else if (st.terminated)
      reason =
        st.terminated.reason ||
        (st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`);
    else if (c.ready && st.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  if (p.metadata?.deletionTimestamp) reason = 'Terminating';
  return reason;
}

/** RESTARTS: the sum of restarts, and how long ago the last restarted container last finished, as in `3 (5s ago)`. */
function podRestarts(p: Obj): string {
  const statuses = (p.status?.containerStatuses ?? []) as Obj[];
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const last = Math.max(0, ...statuses.map((c) => Date.parse(c.lastState?.terminated?.finishedAt ?? '') || 0));
  return restarts > 0 && last > 0 ? `${restarts} (${humanDuration(Date.now() - last)} ago)` : String(restarts);
}

const eventObject = (e: Obj): string =>
  `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`;
const eventLastSeen = (e: Obj): string => {
  const at = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  return at ? humanDuration(Date.now() - Date.parse(at)) : '<unknown>';
};

function servicePorts(s: Obj): string {
  const ports = (s.spec?.ports ?? []) as Obj[];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

function externalIp(s: Obj): string {
  if (s.spec?.type === 'ExternalName') return s.spec.externalName ?? '<none>';
  const lb = ((s.status?.loadBalancer?.ingress ?? []) as Obj[]).map((i) => i.ip ?? i.hostname).filter(Boolean);
  if (s.spec?.type === 'LoadBalancer')
    return lb.length ? lb.join(',') : (s.spec?.externalIPs ?? []).join(',') || '<pending>';
  return none((s.spec?.externalIPs ?? []).join(','));
}

function jobStatus(j: Obj): string {
  const conds = (j.status?.conditions ?? []) as Obj[];
  const has = (type: string): boolean => conds.some((c) => c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (j.metadata?.deletionTimestamp) return 'Terminating';
  if (j.spec?.suspend) return 'Suspended';
  return 'Running';
}

const columnsByKind: Record<string, Column[]> = {
  Pod: [
    name,
    {
      name: 'Ready',
      cell: (p) =>
        `${(p.status?.containerStatuses ?? []).filter((c: Obj) => c.ready).length}/${(p.spec?.containers ?? []).length}`,
    },
    { name: 'Status', cell: podStatus },
    { name: 'Restarts', cell: podRestarts },
    ageColumn,
    { name: 'IP', priority: 1, cell: (p) => none(p.status?.podIP) },
    { name: 'Node', priority: 1, cell: (p) => none(p.spec?.nodeName) },
    { name: 'Nominated Node', priority: 1, cell: (p) => none(p.status?.nominatedNodeName) },
    {
      name: 'Readiness Gates',
      priority: 1,
      cell: (p) => none((p.spec?.readinessGates ?? []).map((g: Obj) => g.conditionType).join(',')),
    },
  ],
  Deployment: [
    name,
    { name: 'Ready', cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.availableReplicas ?? 0 },
    ageColumn,
    {
      name: 'Containers',
      priority: 1,
      cell: (d) => (d.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.name).join(','),
    },
    {
      name: 'Images',
      priority: 1,
      cell: (d) => (d.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.image).join(','),
    },
    {
      name: 'Selector',
      priority: 1,
      cell: (d) =>
        Object.entries(d.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
    },
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', cell: (r) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r) => r.status?.readyReplicas ?? 0 },
    ageColumn,
  ],
  Service: [
    name,
    { name: 'Type', cell: (s) => s.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', cell: (s) => none(s.spec?.clusterIP) },
    { name: 'External-IP', cell: externalIp },
    { name: 'Port(s)', cell: servicePorts },
    ageColumn,
    {
      name: 'Selector',
      priority: 1,
      cell: (s) =>
        none(
          Object.entries(s.spec?.selector ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
        ),
    },
  ],
  Namespace: [name, { name: 'Status', cell: (n) => n.status?.phase ?? '' }, ageColumn],
  Node: [
    name,
    {
      name: 'Status',
      cell: (n) =>
        ((n.status?.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True')
          ? n.spec?.unschedulable
            ? 'Ready,SchedulingDisabled'
            : 'Ready'
          : 'NotReady',
    },
    {
      name: 'Roles',
      cell: (n) =>
        none(
          Object.keys(n.metadata?.labels ?? {})
            .filter((k) => k.startsWith('node-role.kubernetes.io/'))
            .map((k) => k.slice(24))
            .join(','),
        ),
    },
    ageColumn,
    { name: 'Version', cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? '' },
  ],
  Event: [
    { name: 'Last Seen', cell: eventLastSeen },
    { name: 'Type', cell: (e) => e.type ?? '' },
    { name: 'Reason', cell: (e) => e.reason ?? '' },
    { name: 'Object', cell: eventObject },
    { name: 'Message', cell: (e) => String(e.message ?? '').trim() },
    { name: 'Source', priority: 1, cell: (e) => [e.source?.component, e.source?.host].filter(Boolean).join(', ') },
    { name: 'Count', type: 'integer', priority: 1, cell: (e) => e.count ?? 1 },
    { name: 'Name', priority: 1, cell: (e) => e.metadata?.name },
  ],
  ConfigMap: [name, { name: 'Data', type: 'integer', cell: (c) => count(c.data) + count(c.binaryData) }, ageColumn],
  Secret: [
    name,
    { name: 'Type', cell: (s) => s.type ?? '' },
    { name: 'Data', type: 'integer', cell: (s) => count(s.data) },
    ageColumn,
  ],
  // kube-apiserver's printer for coordination.k8s.io Leases.
  Lease: [name, { name: 'Holder', cell: (l) => l.spec?.holderIdentity ?? '' }, ageColumn],
  ServiceAccount: [name, { name: 'Secrets', type: 'integer', cell: (s) => (s.secrets ?? []).length }, ageColumn],
  Job: [
    name,
    { name: 'Status', cell: jobStatus },
    { name: 'Completions', cell: (j) => `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}` },
    {
      name: 'Duration',
      cell: (j) =>
        j.status?.startTime
          ? humanDuration(
              Date.parse(j.status.completionTime ?? new Date().toISOString()) - Date.parse(j.status.startTime),
            )
          : '',
    },
    ageColumn,
  ],
  PersistentVolumeClaim: [
    name,
    { name: 'Status', cell: (c) => c.status?.phase ?? '' },
    { name: 'Volume', cell: (c) => c.spec?.volumeName ?? '' },
    { name: 'Capacity', cell: (c) => c.status?.capacity?.storage ?? '' },
    {
      name: 'Access Modes',
      cell: (c) =>
        (c.status?.accessModes ?? [])
          .map(
            (m: string) =>
              ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[m] ?? m,
          )
          .join(','),
    },
    { name: 'StorageClass', cell: (c) => c.spec?.storageClassName ?? '' },
    ageColumn,
  ],
};

/** kube-apiserver's fallback for kinds without a printer: name and creation time. */
const defaultColumns: Column[] = [
  name,
  { name: 'Created At', type: 'date', cell: (o) => o.metadata?.creationTimestamp },
];

/** A Table of objects; `includeObject` (None, Metadata: the default, Object) says what each row carries. */
export function toTable(
  t: ResourceType,
  objects: KubeObject[],
  version: string,
  listMetadata: Record<string, unknown>,
  includeObject: string | null,
): object {
  const columns = (t.group === 'events.k8s.io' ? undefined : columnsByKind[t.kind]) ?? defaultColumns;
  const rowObject = (o: KubeObject): unknown => {
    if (includeObject === 'None') return undefined;
    if (includeObject === 'Object') return { apiVersion: o.apiVersion, kind: o.kind, ...o };
    return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
  };
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMetadata,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type ?? 'string',
      format: c.format ?? '',
      description: '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({ cells: columns.map((c) => c.cell(o) ?? ''), object: rowObject(o) })),
  };
}
