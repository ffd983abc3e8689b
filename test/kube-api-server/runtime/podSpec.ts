// From a pod spec to what the engine needs: environment (with $(VAR) expansion and references), volume files, mounts.
import type { KubeObject } from '../store.js';
import type { TarEntry } from './tar.js';

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: {
    prefix?: string;
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  securityContext?: { runAsUser?: number; runAsGroup?: number };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

export interface Probe {
  exec?: { command: string[] };
  tcpSocket?: { port: number | string; host?: string };
  httpGet?: {
    port: number | string;
    path?: string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

/** A container or volume that cannot be set up yet (missing ConfigMap, Secret, key): the kubelet retries. */
export class ConfigError extends Error {}

/** How the runtime reads ConfigMaps and Secrets of the pod's namespace. */
export type ObjectLookup = (kind: 'ConfigMap' | 'Secret', name: string) => KubeObject | undefined;

/** Kubernetes' $(VAR) expansion: defined names are replaced, $$ is a literal $, anything else stays as written. */
export function expand(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : m;
  });
}

function dataOf(obj: KubeObject, kind: 'ConfigMap' | 'Secret'): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const data = (obj.data ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(data)) out.set(k, kind === 'Secret' ? Buffer.from(v, 'base64') : Buffer.from(v));
  for (const [k, v] of Object.entries((obj.binaryData ?? {}) as Record<string, string>))
    out.set(k, Buffer.from(v, 'base64'));
  return out;
}

function fieldValue(pod: KubeObject, path: string, podIP: string, hostIP: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (pod.metadata[m[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[m[2]] ?? '';
  const known: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName ?? 'default',
    'status.podIP': podIP,
    'status.podIPs': podIP,
    'status.hostIP': hostIP,
    'status.hostIPs': hostIP,
  };
  return known[path] ?? '';
}

/** The container's environment as the kubelet builds it: envFrom first, then env in order, each value expanded. */
export function environment(
  pod: KubeObject,
  c: ContainerSpec,
  lookup: ObjectLookup,
  podIP: string,
  hostIP: string,
): string[] {
  const vars = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const obj = lookup(kind, ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new ConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
    }
    for (const [k, v] of dataOf(obj, kind)) vars.set(`${from.prefix ?? ''}${k}`, v.toString());
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) {
      vars.set(e.name, fieldValue(pod, e.valueFrom.fieldRef.fieldPath, podIP, hostIP));
      continue;
    }
    const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
    if (ref) {
      const kind = e.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const obj = lookup(kind, ref.name);
      const value = obj ? dataOf(obj, kind).get(ref.key) : undefined;
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ConfigError(
          obj
            ? `couldn't find key ${ref.key} in ${kind} ${pod.metadata.namespace}/${ref.name}`
            : `${kind.toLowerCase()} "${ref.name}" not found`,
        );
      }
      vars.set(e.name, value.toString());
      continue;
    }
    vars.set(e.name, expand(e.value ?? '', vars));
  }
  return [...vars].map(([k, v]) => `${k}=${v}`);
}

/** Entrypoint and Cmd for the engine: `command` replaces the image's entrypoint (and drops its CMD), `args` its CMD. */
export function commandLine(c: ContainerSpec, env: string[]): { Entrypoint?: string[]; Cmd?: string[] } {
  const vars = new Map(
    env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
  );
  const x = (list: string[] | undefined) => list?.map((s) => expand(s, vars));
  if (c.command) return { Entrypoint: x(c.command), Cmd: x(c.args) ?? [] };
  return c.args ? { Cmd: x(c.args) } : {};
}

export interface PodVolume {
  name: string;
  /** Files to write into it (configMap, secret); undefined for an emptyDir or claim, which start empty. */
  files?: TarEntry[];
  /** Engine volume name; a claim's volume is shared by every pod that mounts the claim. */
  engineName: string;
  /** Claim volumes outlive the pod. */
  shared: boolean;
}

interface VolumeSource {
  name: string;
  emptyDir?: object;
  configMap?: {
    name: string;
    items?: { key: string; path: string; mode?: number }[];
    defaultMode?: number;
    optional?: boolean;
  };
  secret?: {
    secretName: string;
    items?: { key: string; path: string; mode?: number }[];
    defaultMode?: number;
    optional?: boolean;
  };
  persistentVolumeClaim?: { claimName: string };
}

/** Engine volumes for the pod's volumes; configMap and secret volumes come with their files. */
export function podVolumes(pod: KubeObject, lookup: ObjectLookup, prefix: string): PodVolume[] {
  const uid8 = (pod.metadata.uid ?? '').slice(0, 8);
  return ((pod.spec?.volumes ?? []) as VolumeSource[]).map((v) => {
    const engineName = `${prefix}_${pod.metadata.name}_${uid8}_${v.name}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    if (v.persistentVolumeClaim) {
      return {
        name: v.name,
        engineName: `${prefix}_pvc_${pod.metadata.namespace}_${v.persistentVolumeClaim.claimName}`,
        shared: true,
      };
    }
    const src = v.configMap
      ? { kind: 'ConfigMap' as const, ...v.configMap }
      : v.secret
        ? { kind: 'Secret' as const, ...v.secret, name: v.secret.secretName }
        : undefined;
    if (!src) return { name: v.name, engineName, shared: false };
    const obj = lookup(src.kind, src.name);
    if (!obj) {
      if (src.optional) return { name: v.name, engineName, shared: false, files: [] };
      throw new ConfigError(
        `MountVolume.SetUp failed for volume "${v.name}" : ${src.kind.toLowerCase()} "${src.name}" not found`,
      );
    }
    const data = dataOf(obj, src.kind);
    const mode = src.defaultMode ?? 0o644;
    const items =
      src.items ?? [...data.keys()].map((key) => ({ key, path: key, mode: undefined as number | undefined }));
    const files: TarEntry[] = [];
    for (const it of items) {
      const content = data.get(it.key);
      if (content === undefined) {
        if (src.optional) continue;
        throw new ConfigError(
          `MountVolume.SetUp failed for volume "${v.name}" : configmap references non-existent config key: ${it.key}`,
        );
      }
      const parts = it.path.split('/');
      for (let i = 1; i < parts.length; i++) files.push({ path: parts.slice(0, i).join('/') });
      files.push({ path: it.path, data: content, mode: it.mode ?? mode });
    }
    return { name: v.name, engineName, shared: false, files };
  });
}
