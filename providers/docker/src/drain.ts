// The old containers of start-first handovers drain in the background: once the new one
// took the alias and the name, the old one (renamed `<name>.old`) is stopped with its stop
// timeout (SIGTERM, then SIGKILL: the work it accepted finishes) and removed while the run
// goes on with other services; `settle` (settle.ts: the provider verb the engine awaits before
// the run cleans up and ends) waits for all of them. A run killed meanwhile leaves `.old`
// containers: the next run of the stack sweeps them (drainMarker.ts), destroy removes them.
import { PctlError } from '@pctl/core';
import type { Api } from './api.js';
import { pathPart, statusOf } from './api.js';
import { removeContainers } from './containers.js';

const pending = new Set<Promise<void>>();
const failures: string[] = [];

// Stops and removes the old container without holding up the service's deploy.
export function drainLater(api: Api, old: { id: string; name: string }): void {
  const p = retire(api, [old]).catch((e: unknown) => {
    failures.push(`${old.name}: ${e instanceof Error ? e.message : String(e)}`);
  });
  pending.add(p);
  void p.finally(() => pending.delete(p));
}

// Waits for every drain this process started; one that failed is named (its container is
// removed by the next run's sweep, or by destroy).
export async function drained(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
  if (!failures.length) return;
  const failed = failures.splice(0);
  throw new PctlError({
    code: 'DockerApiError',
    message: `old containers not removed after their handover: ${failed.join('; ')}`,
    fault: 'environment',
    hint: 'the next deploy of the stack, or destroy, removes them',
  });
}

// Stops a container with its own stop timeout (the engine's: SIGTERM, then SIGKILL) and removes it.
export async function retire(api: Api, containers: { id: string; name: string }[]): Promise<void> {
  await Promise.all(containers.map((c) => stopGracefully(api, c, { goneOk: true })));
  await removeContainers(
    api,
    containers.map((c) => c.id),
  );
}

// Stops a container with its own stop timeout; one already stopped (304) is fine, and one
// already gone (404) with `goneOk` (a container kept for a failed replacement must still be there).
export async function stopGracefully(
  api: Api,
  c: { id: string; name: string },
  o: { goneOk?: boolean } = {},
): Promise<void> {
  api.log(`POST /containers/${pathPart(c.name)}/stop`);
  try {
    await api.docker.getContainer(c.id).stop();
  } catch (e) {
    if (statusOf(e) === 304 || (o.goneOk && statusOf(e) === 404)) return;
    throw api.fail(e, `stopping ${c.name}`);
  }
}
