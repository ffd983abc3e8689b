// The docker fields of a service's state entry, as deploy (or adoption) leaves it: where it
// runs and the containers, network and volumes it owns (core records image, labels and fingerprint).
import type { DeployParams, StateEntry } from '@pctl/core';
import type { DockerOptions } from './options.js';

export function serviceEntry(
  target: DeployParams['target'],
  o: DockerOptions,
  owned: { network: string; containers: string[]; volumes: string[]; adoptedVolumes?: string[] },
): StateEntry {
  return {
    provider: 'docker',
    host: o.host ?? 'local',
    ...(o.host ? { user: o.user, sshKey: o.key, sshPort: o.port, sudo: o.sudo } : {}),
    replica: owned.containers.length,
    hasPorts: Boolean(target.service.ports?.length),
    network: owned.network,
    containers: owned.containers,
    volumes: owned.volumes,
    // The original's unlabelled volumes an adoption proved this service's (docker/src/volumes.ts).
    ...(owned.adoptedVolumes?.length ? { adoptedVolumes: owned.adoptedVolumes } : {}),
  };
}
