// The kinds pctl makes and how the state entry writes an object down
// (`<apiVersion>/<kind>/<namespace>/<name>`).
import type { KubeObject } from './types.js';

/** The kinds pctl makes itself, in destroy order; raw manifests may add others (recorded in state). */
export const MANAGED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'PersistentVolume' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
];

/** `<apiVersion>/<kind>/<namespace>/<name>` of an object (empty namespace when cluster-scoped). */
export const objectRef = (o: KubeObject): string =>
  `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The object an `objectRef` names. */
export const parseObjectRef = (r: string): KubeObject => {
  const parts = r.split('/');
  const name = parts.pop()!;
  const namespace = parts.pop() || undefined;
  const kind = parts.pop()!;
  return { apiVersion: parts.join('/'), kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
};

/** `<apiVersion>/<kind>` of a ref, for listing that kind. */
export const kindOfRef = (r: string): string => {
  const o = parseObjectRef(r);
  return `${o.apiVersion}/${o.kind}`;
};

/** `<apiVersion>/<kind>` split. */
export const parseKind = (k: string): { apiVersion: string; kind: string } => {
  const i = k.lastIndexOf('/');
  return { apiVersion: k.slice(0, i), kind: k.slice(i + 1) };
};
