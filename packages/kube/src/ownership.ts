// Before anything is applied: an object of the same name that another stack (or another
// service of this stack) labelled as its own is refused, naming both. Server-side apply
// with force would otherwise take it over without a word. Objects without pctl's labels
// (made by hand, or by kubectl) are taken over as before.
import { MANAGED_BY, PctlError, serviceKey, SERVICE_LABEL, STACK_LABEL } from '@pctl/core';
import { describeObject, type KubeClient } from './client.js';
import { kubeLabels } from './objectNames.js';
import type { KubeObject } from './types.js';

/** Throws when one of `objects` exists and carries another stack's or service's pctl labels. */
export async function checkOwnership(
  client: KubeClient,
  objects: readonly KubeObject[],
  stack: string,
  service: string,
): Promise<void> {
  const mine = kubeLabels(stack, service);
  const key = serviceKey(stack, service);
  const existing = await Promise.all(objects.map(async (o) => ({ o, live: await readIfServed(client, o) })));
  for (const { o, live } of existing) {
    const labels = live?.metadata.labels ?? {};
    const theirStack = labels[STACK_LABEL];
    if (theirStack !== undefined && theirStack !== mine[STACK_LABEL]) {
      throw new PctlError({
        code: 'ObjectOwnedByOtherStack',
        exitCode: 1,
        fault: 'user',
        message: `${key}: ${describeObject(o)} belongs to stack "${theirStack}" (label ${STACK_LABEL}), not to stack "${stack}": pctl does not take it over`,
        hint: `deploy stack "${stack}" to another namespace, or destroy stack "${theirStack}" there first`,
      });
    }
    const theirService = labels[SERVICE_LABEL];
    if (labels[MANAGED_BY] === 'pctl' && theirService !== undefined && theirService !== mine[SERVICE_LABEL]) {
      throw new PctlError({
        code: 'ObjectOwnedByOtherService',
        exitCode: 1,
        fault: 'user',
        message: `${key}: ${describeObject(o)} belongs to ${theirService} of the same stack (label ${SERVICE_LABEL}): two services would make the same object`,
        hint: 'give one of the two services (or its raw manifest) another name',
      });
    }
  }
}

// A kind the server does not serve yet (a custom resource whose CRD the same apply brings)
// has no object of anyone's.
async function readIfServed(client: KubeClient, o: KubeObject): Promise<KubeObject | undefined> {
  try {
    return await client.read(o);
  } catch (e) {
    if (
      /Unrecognized API version and kind|unable to find resource|could not find the requested resource/i.test(
        String((e as Error)?.message),
      )
    )
      return undefined;
    throw e;
  }
}
