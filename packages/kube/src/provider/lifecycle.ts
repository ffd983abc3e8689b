// The skeleton's deploy, adopt and destroy: the image brought where the cluster pulls it, the
// service applied through the shared deployer and its state entry, a service moved to another
// cluster removed from the old one; the original pctl's pods kept when they are what pctl would
// run; and a service destroyed with what its registry and the local engine keep of it.
import {
  builtForStack,
  Events,
  requireServiceOfKey,
  removeImage,
  type AdoptParams,
  type DeployParams,
  type DestroyParams,
  type ProviderContext,
  type StateEntry,
} from '@pctl/core';
import { deployService } from '../deployer.js';
import { destroyService } from '../destroy.js';
import { adoptKube } from './adopt.js';
import type { ClusterImage, KubeProviderOptions } from './renderInput.js';
import type { KubeEntry, KubeProviderSpec } from './spec.js';
import type { SpecOptions } from './specOptions.js';

/** The deploy, adopt and destroy verbs of a provider on the skeleton. */
export function kubeLifecycle<O extends KubeProviderOptions>(
  spec: KubeProviderSpec<O>,
  { parse, completed, namespaceOf, configured, input }: SpecOptions<O>,
) {
  async function destroyIn(ctx: ProviderContext, key: string, entry: KubeEntry, o: O | undefined): Promise<void> {
    const service = requireServiceOfKey(ctx.stack, key);
    const client = await spec.connectRecorded(ctx, key, entry, o);
    if (!client) return;
    await destroyService(client, { stack: ctx.stack, service, entry, reporter: ctx.reporter, signal: ctx.signal });
  }

  async function deploy(p: DeployParams): Promise<StateEntry> {
    const { ctx, target } = p;
    const o = await completed(ctx, target.service.provider.options, target.key);
    const prev = (p.previous ?? {}) as KubeEntry;
    let image = spec.registry.imageFor(p, o);
    await spec.prepare?.(ctx, o, target.key);
    if (image.local && spec.registry.locate)
      image = await spec.registry.locate(ctx, o, image as Required<ClusterImage>, target.key);
    let pushedNow = false;
    if (image.local && !ctx.flags.skipPush)
      pushedNow = await spec.registry.deliver(ctx, o, image as Required<ClusterImage>, target.key);
    // Local builds raw manifests take with pctl://name go there too.
    if (target.service.manifests?.length && !ctx.flags.skipPush) {
      for (const ref of new Set(Object.values(target.imageRefs ?? {}))) {
        if (ref === image.local) continue;
        let other: Required<ClusterImage> | undefined =
          spec.registry.clusterRef && spec.registry.clusterRef(o, ref) !== ref
            ? { ref: spec.registry.clusterRef(o, ref), local: ref }
            : undefined;
        if (other && spec.registry.locate) other = await spec.registry.locate(ctx, o, other, target.key);
        if (other) await spec.registry.deliver(ctx, o, other, target.key);
      }
    }
    const client = await spec.connect(ctx, o);
    const sameCluster =
      prev.cluster === undefined ||
      prev.cluster === client.clusterName ||
      Boolean(spec.sameCluster?.(prev.cluster, client, o));
    const result = await deployService(client, input(p, o, image, false), {
      reporter: ctx.reporter,
      signal: ctx.signal,
      rolloutTimeoutMs: (o.rolloutTimeout ?? 300) * 1000,
      previous: sameCluster ? prev : undefined,
    });
    // Moved to another cluster: now that it runs in the new one, it goes from the old one.
    if (p.previous && !p.previous.destroyed && !sameCluster) {
      ctx.reporter.info(`removing from the previous cluster ${prev.cluster}`, target.key, Events.ClusterMoved);
      await destroyIn(ctx, target.key, prev, undefined);
    }
    return {
      provider: spec.name,
      // Core records labels and fingerprint; image and builtByPctl stay: destroy reads them from this entry alone (the conformance kit).
      ...(target.image.ref ? { image: target.image.ref } : {}),
      replica: target.service.scale?.replica ?? 1,
      hasPorts: Boolean(target.service.ports?.length),
      builtByPctl: target.image.builtByPctl,
      ...result,
      ...(spec.stateExtras?.(p, o, image, pushedNow, prev) ?? {}),
    };
  }

  // The first deploy after migrating: keep the pods the original pctl runs when they are what pctl would run.
  async function adopt(p: AdoptParams) {
    const { ctx, target } = p;
    const o =
      p.mode === 'deploy'
        ? await completed(ctx, target.service.provider.options, target.key)
        : parse(target.service.provider.options);
    return adoptKube(p, {
      provider: spec.name,
      namespace: namespaceOf(ctx, o),
      connect: () => spec.connect(ctx, o),
      sameCluster: (recorded, client) =>
        recorded === client.clusterName || Boolean(spec.sameCluster?.(recorded, client, o)),
      image: spec.registry.imageFor(p, o),
      input: (image) => input(p, o, image, false),
      pullAuth: spec.registry.pullAuth && ((host) => spec.registry.pullAuth!(ctx, o, host)),
      rolloutTimeoutMs: (o.rolloutTimeout ?? 300) * 1000,
      stateExtras: (image) => spec.stateExtras?.(p, o, image, false, p.previous as KubeEntry) ?? {},
    });
  }

  async function destroy(p: DestroyParams): Promise<void> {
    const { ctx, key } = p;
    const entry = p.entry as KubeEntry;
    await destroyIn(ctx, key, entry, configured(ctx, key));
    await spec.registry.remove?.(ctx, key, entry);
    // The image pctl built stays on the local engine otherwise (another service may have taken it already).
    // So does the one the original pctl built, recorded when a deploy adopted its pods.
    const built =
      p.entry.builtByPctl && typeof p.entry.image === 'string' && (await builtForStack(ctx, p.entry.image, ctx.stack))
        ? p.entry.image
        : undefined;
    for (const ref of [built, p.entry.originalImage]) {
      if (typeof ref !== 'string' || !ref) continue;
      const r = await removeImage(ctx, ref);
      if (r.result === 'failed')
        ctx.reporter.warn(`could not remove the image ${ref}: ${r.message?.split('\n')[0]}`, key);
    }
  }

  return { adopt, deploy, destroy };
}
