// Pure rendering of the Kubernetes objects for one pctl service: no I/O, no clock, no randomness.
// Same input → byte-identical JSON (objects are built with a fixed key order and no undefined fields).
import { PctlError, pctlLabels, serviceKey, STACK_LABEL, SERVICE_LABEL } from '@pctl/core';
import type { ServiceConfig } from '@pctl/core';
import type { KubeObject, RenderInput } from './types.js';
import { isNamespaced } from './manifests.js';

export const FINGERPRINT_ANNOTATION = 'pctl/fingerprint';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A parsed entry of `ports`. */
export interface ParsedPort {
  /** Port the Service exposes. */
  port: number;
  /** Port the container listens on. */
  targetPort: number;
  protocol: 'TCP' | 'UDP';
}

/** Parses `8080`, `"80"`, `"8080:80"`, `"53:53/udp"`. */
export function parsePort(p: number | string): ParsedPort {
  if (typeof p === 'number') return { port: p, targetPort: p, protocol: 'TCP' };
  const m = /^(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/i.exec(p.trim());
  if (!m) throw new PctlError({ code: 'ConfigInvalid', fault: 'user', message: `invalid port "${p}": expected a port like 8080 or "8080:80"` });
  const target = Number(m[2]);
  const port = m[1] === undefined ? target : Number(m[1]);
  for (const n of [port, target]) {
    if (n < 1 || n > 65535) throw new PctlError({ code: 'ConfigInvalid', fault: 'user', message: `invalid port "${p}": ${n} is outside 1-65535` });
  }
  return { port, targetPort: target, protocol: m[3]?.toLowerCase() === 'udp' ? 'UDP' : 'TCP' };
}

/** Seconds from a number (seconds) or a duration string (`500ms`, `10s`, `1m`, `2h`, `10`); at least 1. */
export function durationSeconds(d: number | string): number {
  if (typeof d === 'number') return Math.max(1, Math.ceil(d));
  const m = /^(\d+)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new PctlError({ code: 'ConfigInvalid', fault: 'user', message: `invalid duration "${d}": expected 10s, 1m or a number of seconds` });
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const secs = unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
  return Math.max(1, Math.ceil(secs));
}

/** A DNS-label-safe name for a volume's subPath, e.g. `/var/lib/data` → `var-lib-data`. */
export function subPathFor(path: string): string {
  const s = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'root' : s;
}

function quantity(q: string | number | undefined): string | undefined {
  return q === undefined ? undefined : String(q);
}

/** The name of objects other than the Deployment/Service: `<stack>-<service>[-suffix]`. */
export function objectName(stack: string, service: string, suffix?: string): string {
  return suffix ? `${serviceKey(stack, service)}-${suffix}` : serviceKey(stack, service);
}

/** Removes undefined values (and keys) recursively so the JSON is stable and clean. */
function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map((x) => clean(x)) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = clean(x);
    return out as T;
  }
  return v;
}

export function renderService(input: RenderInput): KubeObject[] {
  const { stack, service, config, namespace, options, fingerprint } = input;
  const labels = pctlLabels(stack, service);
  const selector = { [STACK_LABEL]: labels[STACK_LABEL]!, [SERVICE_LABEL]: labels[SERVICE_LABEL]! };
  const annotations = { [FINGERPRINT_ANNOTATION]: fingerprint };
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace } : {}),
    labels: { ...labels },
    annotations: { ...annotations },
  });

  const out: KubeObject[] = [];
  const saName = options.serviceAccount ?? objectName(stack, service);
  const pullSecretName = objectName(stack, service, 'pull');
  const storageName = objectName(stack, service, 'storage');
  const volumes = config.volumes ?? [];
  const hasPvc = options.storage !== undefined && volumes.length > 0;
  const hasPv = hasPvc && options.storage?.nfs !== undefined;

  // Namespace
  out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace, false) });

  // A service with manifests and no image (stack-level manifests): those alone.
  if (config.image === undefined && config.build === undefined) {
    for (const m of input.manifests ?? []) out.push(rawManifest(m, input, labels, annotations));
    return out.map((o) => clean(o));
  }

  // ServiceAccount
  out.push({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(saName),
    ...(input.pullSecret ? { imagePullSecrets: [{ name: pullSecretName }] } : {}),
  });

  // Image pull Secret
  if (input.pullSecret) {
    const { server, username, password } = input.pullSecret;
    const auth = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    const dockerconfig = JSON.stringify({ auths: { [server]: { username, password, auth } } });
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(pullSecretName),
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(dockerconfig, 'utf8').toString('base64') },
    });
  }

  // Role + RoleBinding
  if (options.rbac) {
    const roleName = objectName(stack, service);
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(roleName),
      rules: options.rbac.map((r) => ({
        apiGroups: [...r.apiGroups],
        resources: [...r.resources],
        verbs: [...r.verbs],
        ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
      })),
    });
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(roleName),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: saName, namespace }],
    });
  }

  // PersistentVolume (network file storage) + PersistentVolumeClaim
  if (hasPv && options.storage?.nfs) {
    out.push({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: meta(storageName, false),
      spec: {
        capacity: { storage: options.storage.size },
        accessModes: ['ReadWriteMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: options.storage.storageClass ?? '',
        nfs: { server: options.storage.nfs.server, path: options.storage.nfs.path },
        claimRef: { namespace, name: storageName },
      },
    });
  }
  if (hasPvc && options.storage) {
    out.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(storageName),
      spec: {
        accessModes: [hasPv ? 'ReadWriteMany' : 'ReadWriteOnce'],
        resources: { requests: { storage: options.storage.size } },
        ...(hasPv
          ? { storageClassName: options.storage.storageClass ?? '', volumeName: storageName }
          : options.storage.storageClass !== undefined
            ? { storageClassName: options.storage.storageClass }
            : {}),
      },
    });
  }

  // Deployment
  const replica = config.scale?.replica ?? 1;
  const isRange = Array.isArray(replica);
  // With a range the HPA owns `replicas`: pctl leaves the field out, so a redeploy (a
  // server-side apply) never resets what the autoscaler chose. It starts at 1, then min.
  const replicas = isRange ? undefined : replica;
  const ports = (config.ports ?? []).map(parsePort);
  out.push({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(service),
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { ...selector } },
      strategy: { type: options.strategy ?? 'RollingUpdate' },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          serviceAccountName: saName,
          containers: [container(input, ports)],
          ...(volumes.length > 0
            ? {
                volumes: volumes.map((_, i) =>
                  hasPvc ? { name: `storage-${i}`, persistentVolumeClaim: { claimName: storageName } } : { name: `storage-${i}`, emptyDir: {} },
                ),
              }
            : {}),
        },
      },
    },
  });

  // Service
  if (ports.length > 0) {
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(service),
      spec: {
        type: options.serviceType ?? 'ClusterIP',
        selector: { ...selector },
        ports: ports.map((p) => ({
          name: p.protocol === 'UDP' ? `p-${p.port}-udp` : `p-${p.port}`,
          port: p.port,
          targetPort: p.targetPort,
          protocol: p.protocol,
        })),
      },
    });
  }

  // HorizontalPodAutoscaler
  if (isRange) {
    out.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(objectName(stack, service)),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: service },
        minReplicas: Math.max(1, replica[0]),
        maxReplicas: Math.max(1, replica[1]),
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      },
    });
  }

  // Raw manifests
  for (const m of input.manifests ?? []) out.push(rawManifest(m, input, labels, annotations));

  return out.map((o) => clean(o));
}

function container(input: RenderInput, ports: ParsedPort[]): Record<string, unknown> {
  const config: ServiceConfig = input.config;
  const env = Object.keys(config.env ?? {})
    .sort()
    .map((name) => ({ name, value: String(config.env![name]) }));
  const cpu = quantity(config.scale?.cpu);
  const memory = quantity(config.scale?.memory);
  const res: Record<string, string> = {};
  if (cpu !== undefined) res.cpu = cpu;
  if (memory !== undefined) res.memory = memory;

  // One containerPort per distinct (port, protocol).
  const seen = new Set<string>();
  const containerPorts: Array<{ containerPort: number; protocol: string }> = [];
  for (const p of ports) {
    const key = `${p.targetPort}/${p.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    containerPorts.push({ containerPort: p.targetPort, protocol: p.protocol });
  }

  const health = config.health;
  const probe = health
    ? {
        exec: { command: ['/bin/sh', '-c', health.command] },
        periodSeconds: durationSeconds(health.interval),
        failureThreshold: health.retries,
      }
    : undefined;

  return {
    name: input.service,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    ...(config.command !== undefined ? { command: ['/bin/sh', '-c', config.command] } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(Object.keys(res).length > 0 ? { resources: { limits: { ...res }, requests: { ...res } } } : {}),
    ...(containerPorts.length > 0 ? { ports: containerPorts } : {}),
    ...(probe && health?.onfailure === 'stop' ? { readinessProbe: probe } : {}),
    ...(probe && health?.onfailure !== 'stop' ? { livenessProbe: probe } : {}),
    ...((config.volumes ?? []).length > 0
      ? { volumeMounts: (config.volumes ?? []).map((v, i) => ({ name: `storage-${i}`, mountPath: v.path, subPath: subPathFor(v.path) })) }
      : {}),
  };
}

const PCTL_REF = /^pctl:\/\/([A-Za-z0-9][A-Za-z0-9._-]*)$/;

function rawManifest(m: KubeObject, input: RenderInput, labels: Record<string, string>, annotations: Record<string, string>): KubeObject {
  const where = `${m.kind}/${m.metadata?.name ?? '?'}`;
  const images = input.images ?? {};
  const resolve = (v: Json, key: string | undefined): Json => {
    if (typeof v === 'string') {
      const ref = PCTL_REF.exec(v);
      if (ref) {
        const name = ref[1]!;
        const img = Object.prototype.hasOwnProperty.call(images, name) ? images[name] : undefined;
        if (img === undefined) {
          const known = Object.keys(images).sort();
          throw new PctlError({
            code: 'ConfigInvalid',
            fault: 'user',
            message: `manifest ${where} refers to unknown image pctl://${name}`,
            hint: known.length > 0 ? `known: ${known.map((k) => `pctl://${k}`).join(', ')}` : 'no pctl images are known for this stack',
          });
        }
        return img;
      }
      if (key === 'image' && v.startsWith('pctl://')) {
        throw new PctlError({ code: 'ConfigInvalid', fault: 'user', message: `manifest ${where} has an invalid image reference "${v}": expected pctl://<service>` });
      }
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => resolve(x, undefined));
    if (v !== null && typeof v === 'object') {
      const o: { [k: string]: Json } = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = resolve(x, k);
      return o;
    }
    return v;
  };
  const obj = resolve(structuredClone(m) as unknown as Json, undefined) as unknown as KubeObject;
  const metadata = { ...(obj.metadata ?? {}) } as KubeObject['metadata'];
  const ns = isNamespaced(obj.kind) && metadata.namespace === undefined ? { namespace: input.namespace } : {};
  obj.metadata = {
    ...metadata,
    ...ns,
    labels: { ...(metadata.labels ?? {}), ...labels },
    annotations: { ...(metadata.annotations ?? {}), ...annotations },
  };
  return obj;
}
