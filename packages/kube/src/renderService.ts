// Pure rendering of the Kubernetes objects for one pctl service: no I/O, no clock, no randomness.
// Same input → byte-identical JSON (objects are built with a fixed key order and no undefined fields).
import { dnsName, isJob, jobTimeoutSeconds, PctlError, serviceKey, STACK_LABEL, SERVICE_LABEL } from '@pctl/core';
import type { KubeObject, RenderInput } from './types.js';
import { ENV_SECRET_HASH_ANNOTATION, REDACTED_ANNOTATION, secretBody, secretContentHash, splitEnv } from './env.js';
import { KEY_ANNOTATION, kubeLabels, serviceObjectNames } from './objectNames.js';
import { containerPorts, portNotes, servicePorts, type ServicePort } from './ports.js';
import { labelManifest } from './raw-manifests.js';
import { storageObjects } from './storage.js';
import { volumeMounts } from './volumes.js';

export const FINGERPRINT_ANNOTATION = 'pctl/fingerprint';

/** Seconds from a number (seconds) or a duration string (`500ms`, `10s`, `1m`, `2h`, `10`); at least 1. */
export function durationSeconds(d: number | string): number {
  if (typeof d === 'number') return Math.max(1, Math.ceil(d));
  const m = /^(\d+)(ms|s|m|h)?$/.exec(d.trim());
  if (!m)
    throw new PctlError({
      code: 'InvalidConfig',
      fault: 'user',
      message: `invalid duration "${d}": expected 10s, 1m or a number of seconds`,
    });
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const secs = unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
  return Math.max(1, Math.ceil(secs));
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

/** Notes for `pctl plan` on what Kubernetes makes of a service's config. */
export function renderNotes(config: RenderInput['config']): string[] {
  return portNotes(config.ports ?? []);
}

/** Every object a deploy of the service applies, in apply order, Namespace first. */
export function renderService(input: RenderInput): KubeObject[] {
  const { stack, service, config, namespace, options, fingerprint } = input;
  const key = serviceKey(stack, service);
  const names = serviceObjectNames(stack, service);
  const labels = kubeLabels(stack, service);
  const selector = { [STACK_LABEL]: labels[STACK_LABEL]!, [SERVICE_LABEL]: labels[SERVICE_LABEL]! };
  // A derived label value does not give the key back: the annotation keeps it for discovery.
  const annotations: Record<string, string> = {
    [FINGERPRINT_ANNOTATION]: fingerprint,
    ...(labels[SERVICE_LABEL] !== key ? { [KEY_ANNOTATION]: key } : {}),
  };
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace } : {}),
    labels: { ...labels },
    annotations: { ...annotations },
  });
  const raw = () =>
    (input.manifests ?? []).map((m) => labelManifest(m, { namespace, images: input.images, labels, annotations }));

  const out: KubeObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace, false) }];

  // A service with manifests and no image (stack-level manifests): those alone.
  if (config.image === undefined && config.build === undefined) return [...out, ...raw()].map((o) => clean(o));

  const saName = options.serviceAccount ?? names.workload;
  out.push({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(saName),
    ...(input.pullSecret ? { imagePullSecrets: [{ name: names.pullSecret }] } : {}),
  });

  if (input.pullSecret) {
    const { server, username, password } = input.pullSecret;
    const auth = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    const dockerconfig = JSON.stringify({ auths: { [server]: { username, password, auth } } });
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(names.pullSecret),
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(dockerconfig, 'utf8').toString('base64') },
    });
  }

  const env = splitEnv(config.env, input.secrets ?? [], names.envSecret);
  const hasEnvSecret = Object.keys(env.secretData).length > 0;
  if (hasEnvSecret) {
    const body = secretBody(env.secretData, input.redact === true);
    const m = meta(names.envSecret);
    if (body.note) m.annotations[REDACTED_ANNOTATION] = body.note;
    out.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: m,
      type: 'Opaque',
      ...(body.data ? { data: body.data } : {}),
    });
  }

  if (options.rbac) {
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(names.workload),
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
      metadata: meta(names.workload),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.workload },
      subjects: [{ kind: 'ServiceAccount', name: saName, namespace }],
    });
  }

  const mounts = volumeMounts(config.volumes ?? []);
  const claimName = input.storageName ?? names.workload;
  const hasClaim = options.storage !== undefined && mounts.length > 0;
  if (hasClaim)
    out.push(
      ...storageObjects({
        storage: options.storage!,
        name: claimName,
        namespace,
        meta,
        cloud: input.cloud,
        where: key,
      }),
    );

  const replica = config.scale?.replica ?? 1;
  const isRange = Array.isArray(replica);
  // With a range the HPA owns `replicas`: pctl leaves the field out, so a redeploy (a
  // server-side apply) never resets what the autoscaler chose. It starts at 1, then min.
  const replicas = isRange ? undefined : replica;
  const ports = servicePorts(config.ports ?? []);
  const podAnnotations = hasEnvSecret
    ? { [ENV_SECRET_HASH_ANNOTATION]: secretContentHash(key, env.secretData) }
    : undefined;
  const template = {
    metadata: { labels: { ...labels }, ...(podAnnotations ? { annotations: podAnnotations } : {}) },
    spec: {
      serviceAccountName: saName,
      // A job's pod runs once: its exit code is the job's (no restart, no retry).
      ...(isJob(config) ? { restartPolicy: 'Never' } : {}),
      containers: [container(input, env.env, ports, mounts)],
      ...(mounts.length > 0
        ? {
            volumes: mounts.map((_, i) =>
              hasClaim
                ? { name: `storage-${i}`, persistentVolumeClaim: { claimName } }
                : { name: `storage-${i}`, emptyDir: {} },
            ),
          }
        : {}),
    },
  };
  if (isJob(config)) {
    // One pod, no retry, stopped by the cluster at the job's timeout (DeadlineExceeded).
    out.push({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta(names.workload),
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: Math.max(1, Math.ceil(jobTimeoutSeconds(config))),
        template,
      },
    });
  } else {
    out.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(names.workload),
      spec: {
        ...(replicas === undefined ? {} : { replicas }),
        selector: { matchLabels: { ...selector } },
        strategy: { type: options.strategy ?? 'RollingUpdate' },
        template,
      },
    });
  }

  if (ports.length > 0) {
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(names.workload),
      spec: {
        type: options.serviceType ?? 'ClusterIP',
        selector: { ...selector },
        ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
      },
    });
  }

  if (isRange) {
    out.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(names.workload),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: names.workload },
        minReplicas: Math.max(1, replica[0]),
        maxReplicas: Math.max(1, replica[1]),
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
      },
    });
  }

  return [...out, ...raw()].map((o) => clean(o));
}

function container(
  input: RenderInput,
  env: unknown[],
  ports: ServicePort[],
  mounts: ReturnType<typeof volumeMounts>,
): Record<string, unknown> {
  const config = input.config;
  const res: Record<string, string> = {};
  if (config.scale?.cpu !== undefined) res.cpu = String(config.scale.cpu);
  if (config.scale?.memory !== undefined) res.memory = String(config.scale.memory);
  const cports = containerPorts(ports);
  const health = config.health;
  const probe = health
    ? {
        exec: { command: ['/bin/sh', '-c', health.command] },
        periodSeconds: durationSeconds(health.interval),
        failureThreshold: health.retries,
      }
    : undefined;
  return {
    name: dnsName(input.service),
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    ...(config.command !== undefined ? { command: ['/bin/sh', '-c', config.command] } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(Object.keys(res).length > 0 ? { resources: { limits: { ...res }, requests: { ...res } } } : {}),
    ...(cports.length > 0 ? { ports: cports } : {}),
    ...(probe && health?.onfailure === 'stop' ? { readinessProbe: probe } : {}),
    ...(probe && health?.onfailure !== 'stop' ? { livenessProbe: probe } : {}),
    ...(mounts.length > 0
      ? { volumeMounts: mounts.map((m, i) => ({ name: `storage-${i}`, mountPath: m.mountPath, subPath: m.subPath })) }
      : {}),
  };
}
