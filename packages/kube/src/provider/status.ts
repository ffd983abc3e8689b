// The skeleton's status and discover: a service's status in the cluster and namespace its state
// entry records, and the stack's services in every cluster the stack file names.
import {
  requireServiceOfKey,
  type FoundResource,
  type ProviderContext,
  type ServiceStatus,
  type StatusParams,
} from '@pctl/core';
import { discoverStack } from '../discover.js';
import { serviceStatus } from '../serviceStatus.js';
import type { KubeProviderOptions } from './renderInput.js';
import type { KubeEntry, KubeProviderSpec } from './spec.js';
import type { SpecOptions } from './specOptions.js';

/** The status and discover verbs of a provider on the skeleton. */
export function kubeStatus<O extends KubeProviderOptions>(
  spec: KubeProviderSpec<O>,
  { parse, namespaceOf, configured }: SpecOptions<O>,
) {
  async function status(p: StatusParams): Promise<ServiceStatus> {
    const o = configured(p.ctx, p.key);
    const entry = (p.entry ?? {}) as KubeEntry;
    const ns = entry.namespace ?? (o ? namespaceOf(p.ctx, o) : p.ctx.stack);
    const client = await spec.connectRecorded(p.ctx, p.key, entry, o);
    if (!client) return { state: 'missing', detail: 'the cluster is gone' };
    return serviceStatus(client, p.ctx.stack, requireServiceOfKey(p.ctx.stack, p.key), ns);
  }

  function discover({ ctx }: { ctx: ProviderContext }): Promise<FoundResource[]> {
    return discoverStack(Object.values(ctx.config.services), ctx.stack, spec.name, parse, spec.clusterId, (o) =>
      spec.connect(ctx, o),
    );
  }

  return { status, discover };
}
