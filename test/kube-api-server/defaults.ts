// Defaulting the API server applies to built-in types, so read-backs look like a real cluster's.
import { isPlainObject } from './jsonValue.js';
import type { KubeObject } from './store.js';

type Obj = Record<string, any>;

function imagePullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop() ?? '';
  const tag = last.includes(':') ? last.split(':').pop() : undefined;
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function containerDefaults(c: Obj): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= imagePullPolicy(c.image);
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
    if (!isPlainObject(probe)) continue;
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    if (isPlainObject(probe.httpGet)) (probe.httpGet as Obj).scheme ??= 'HTTP';
  }
}

export function podSpecDefaults(spec: Obj | undefined): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) containerDefaults(c);
}

function templateDefaults(spec: Obj | undefined): void {
  if (!spec?.template) return;
  spec.template.metadata ??= {};
  podSpecDefaults(spec.template.spec);
}

let nextIp = 10;

/** Fill in defaults on a new or updated object (in place). `old` carries allocated values over updates. */
export function applyDefaults(obj: KubeObject, old: KubeObject | undefined): void {
  const spec = obj.spec as Obj | undefined;
  switch (obj.kind) {
    case 'Namespace':
      obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
      // Zero values count as unset, as in Go defaulting (a protobuf body carries `status: {}`).
      (obj.status ??= {}).phase ||= 'Active';
      break;
    case 'Pod':
      podSpecDefaults(spec);
      if (spec) {
        spec.serviceAccountName ??= 'default';
        spec.serviceAccount ??= spec.serviceAccountName;
        spec.priority ??= 0;
        spec.preemptionPolicy ??= 'PreemptLowerPriority';
        spec.tolerations ??= [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ];
      }
      obj.status ??= {};
      obj.status.phase ||= 'Pending';
      obj.status.qosClass ||= 'BestEffort';
      break;
    case 'Deployment':
      if (spec) {
        spec.replicas ??= 1;
        spec.revisionHistoryLimit ??= 10;
        spec.progressDeadlineSeconds ??= 600;
        (spec.strategy ??= {}).type ||= 'RollingUpdate';
        if (spec.strategy.type === 'RollingUpdate')
          spec.strategy.rollingUpdate = {
            maxUnavailable: '25%',
            maxSurge: '25%',
            ...(spec.strategy.rollingUpdate ?? {}),
          };
        templateDefaults(spec);
      }
      break;
    case 'ReplicaSet':
    case 'StatefulSet':
      if (spec) {
        spec.replicas ??= 1;
        templateDefaults(spec);
      }
      break;
    case 'DaemonSet':
      templateDefaults(spec);
      break;
    case 'Job':
      if (spec) {
        spec.backoffLimit ??= 6;
        spec.completions ??= 1;
        spec.parallelism ??= 1;
        spec.completionMode ??= 'NonIndexed';
        spec.suspend ??= false;
        templateDefaults(spec);
      }
      break;
    case 'Service':
      if (spec) {
        spec.type ??= 'ClusterIP';
        spec.sessionAffinity ??= 'None';
        spec.internalTrafficPolicy ??= 'Cluster';
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
        const oldSpec = old?.spec as Obj | undefined;
        // Allocated values survive an update that leaves them out, as on a real server.
        if (!spec.clusterIP && spec.type !== 'ExternalName') {
          spec.clusterIP = oldSpec?.clusterIP ?? `10.96.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;
        }
        if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
        for (const p of spec.ports ?? []) {
          p.protocol ??= 'TCP';
          p.targetPort ??= p.port;
          if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
            const prev = (oldSpec?.ports ?? []).find((o: Obj) => o.port === p.port);
            p.nodePort ??= prev?.nodePort ?? 30000 + ((nextIp++ * 7) % 2767);
          }
        }
        if (spec.type === 'LoadBalancer') {
          spec.externalTrafficPolicy ??= 'Cluster';
          spec.allocateLoadBalancerNodePorts ??= true;
        }
      }
      obj.status ??= { loadBalancer: {} };
      break;
    case 'Secret': {
      obj.type ??= 'Opaque';
      const stringData = obj.stringData as Record<string, string> | undefined;
      if (stringData) {
        const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
        obj.data = data;
        delete obj.stringData;
      }
      break;
    }
    case 'PersistentVolumeClaim':
      if (spec) {
        spec.volumeMode ??= 'Filesystem';
        spec.storageClassName ??= 'standard';
      }
      (obj.status ??= {}).phase ||= 'Pending';
      break;
  }
}
