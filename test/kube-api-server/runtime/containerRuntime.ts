// What the streaming subresources (log, exec, portforward) need from a kubelet whose pods are real processes.
import type Dockerode from 'dockerode';
import type { KubeObject } from '../store.js';

export interface ContainerRuntime {
  docker: Dockerode;
  /** The engine container behind a pod's container (the previous instance with `previous`), or a 400 as the kubelet words it. */
  container(pod: KubeObject, name: string, previous?: boolean): { id: string; tty: boolean };
  /** The pod's IP on the engine's network (its sandbox's), or a 400 when it has none yet. */
  podIP(pod: KubeObject): string;
}
