// The Docker engine the runtime drives: connection, the labels that mark what one server started, and its cleanup.
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';

/** Every container and volume the runtime creates carries this label, valued with the server's id. */
export const SERVER_LABEL = 'io.pctl.kube-api-server';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

export interface Engine {
  docker: Dockerode;
  /** This server's id (the SERVER_LABEL value). */
  id: string;
  /** Prefix of engine object names. */
  prefix: string;
  labels(extra?: Record<string, string>): Record<string, string>;
}

/** Connect to the engine DOCKER_HOST names (dockerode reads it), loading dockerode only when the runtime is used. */
export async function connectEngine(prefix: string): Promise<Engine> {
  const { default: Docker } = await import('dockerode');
  const docker = new Docker();
  await docker.ping();
  const id = randomBytes(6).toString('hex');
  return { docker, id, prefix, labels: (extra = {}) => ({ [SERVER_LABEL]: id, ...extra }) };
}

/** Remove every container and volume this server started (shared claim volumes included). */
export async function cleanupEngine(engine: Engine): Promise<void> {
  const filters = { label: [`${SERVER_LABEL}=${engine.id}`] };
  const containers = await engine.docker.listContainers({ all: true, filters });
  // Application containers first: the sandboxes they share a network namespace with go last.
  containers.sort(
    (a, b) => Number(a.Labels[CONTAINER_NAME_LABEL] === 'POD') - Number(b.Labels[CONTAINER_NAME_LABEL] === 'POD'),
  );
  for (const c of containers)
    await engine.docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
  const { Volumes } = await engine.docker.listVolumes({ filters });
  for (const v of Volumes ?? [])
    await engine.docker
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined);
}

/** Whether the engine has the image (the runtime pulls nothing). */
export async function hasImage(docker: Dockerode, image: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(image).inspect();
    return info.Id;
  } catch {
    return undefined;
  }
}
