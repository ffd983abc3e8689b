// What a stack holds on the Kubernetes API test server, read from the server's own store
// (not through a provider): the oracle of the conformance-kit runs on Kubernetes providers.
import type { KubeApiServer } from '../kube-api-server/index.js';

const KINDS = [
  'Deployment',
  'ReplicaSet',
  'Pod',
  'Service',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'HorizontalPodAutoscaler',
  'Role',
  'RoleBinding',
];

// A ReplicaSet scaled to 0 is the Deployment's revision history, kept as Kubernetes keeps it.
const retired = (o: { spec?: unknown }) => (o.spec as { replicas?: number } | undefined)?.replicas === 0;

// Every object labelled with the stack, in any namespace, as `Kind/namespace/name`.
export function labelledObjects(server: KubeApiServer, stack: string): string[] {
  return KINDS.flatMap((kind) =>
    server
      .list(kind)
      .filter((o) => o.metadata?.labels?.['pctl-stack'] === stack && !(kind === 'ReplicaSet' && retired(o)))
      .map((o) => `${kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`),
  ).sort();
}
