// Creating and starting one container of a service through the Engine API; a published
// port another process holds is worded as such.
import { PctlError, type ServiceTarget } from '@pctl/core';
import type Docker from 'dockerode';
import { bodyOnly, messageOf, type Api } from './api.js';

/** A started container, with the local time its start call returned (readiness.ts measures from there). */
export interface Launched {
  id: string;
  name: string;
  startedAt: number;
}

// Creates the container (not started): its body goes only in the request body.
export async function createContainer(
  api: Api,
  name: string,
  spec: Docker.ContainerCreateOptions,
): Promise<Docker.Container> {
  return api.call(`POST /containers/create?name=${name}`, `creating ${name}`, (d) =>
    d.createContainer(bodyOnly(spec, { name })),
  );
}

// Starts a created container.
export async function startContainer(
  api: Api,
  container: Docker.Container,
  name: string,
  target: ServiceTarget,
): Promise<Launched> {
  api.log(`POST /containers/${name}/start`);
  try {
    await container.start();
  } catch (e) {
    throw portInUse(target, e) ?? api.fail(e, `starting ${name}`);
  }
  return { id: container.id, name, startedAt: Date.now() };
}

// The engine's refusal to bind a published port (at start, or when a container joins the
// network that binds its ports: portHandover.ts), as one error naming the service's ports.
export function portInUse(target: ServiceTarget, e: unknown): PctlError | undefined {
  if (!/port is already allocated|address already in use/i.test(messageOf(e))) return undefined;
  return new PctlError({
    code: 'PortInUse',
    exitCode: 1,
    message: `${target.key}: a published port is already in use (${(target.service.ports ?? []).join(', ')})`,
    fault: 'user',
    hint: `free the port or change services.${target.name}.ports`,
    detail: messageOf(e),
  });
}
