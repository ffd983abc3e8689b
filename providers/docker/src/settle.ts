// `settle` of the docker provider, awaited before a run cleans up and ends: every old
// container this process is draining is gone (drain.ts); and if a killed run left its marker
// (drainMarker.ts), every docker service of the stack has its handovers finished or undone
// on its engine (handover.ts: `.next` and `.old` containers; portHandover.ts: `.proof`
// copies and `.hold` networks), whether this run deployed it or not. The marker goes once
// that is done without a failure, so a failed sweep is tried again by the next run. Images a
// deploy replaced on a remote host go after the drains (remoteImages.ts).
import { isJob, serviceKey, type ProviderContext } from '@pctl/core';
import { connect } from './api.js';
import { drained } from './drain.js';
import { clearDraining, mayBeDraining } from './drainMarker.js';
import { recoverHandovers } from './handover.js';
import { networkName } from './networks.js';
import { options } from './options.js';
import { removeLeftovers } from './portHandover.js';
import { removeReplacedRemote } from './remoteImages.js';

export async function settle({ ctx }: { ctx: ProviderContext }): Promise<void> {
  await drained();
  await removeReplacedRemote();
  if (!mayBeDraining(ctx)) return;
  const services = Object.entries(ctx.config.services).filter(
    ([, svc]) => svc.provider.name === 'docker' && !isJob(svc),
  );
  await Promise.all(
    services.map(async ([name, svc]) => {
      const o = options(svc.provider.options);
      const api = await connect(ctx, o);
      const key = serviceKey(ctx.stack, name);
      await recoverHandovers(api, { stack: ctx.stack, key, net: networkName(ctx, o), alias: name });
      await removeLeftovers(api, ctx.stack, key);
    }),
  );
  clearDraining(ctx);
}
