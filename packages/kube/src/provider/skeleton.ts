// One Kubernetes provider skeleton that kind, gcp and aws stand on: options, render input,
// pull secret, the deploy through the shared deployer, the state entry, moving between
// clusters, destroy, status and discover live here once. A provider adds only how it
// reaches its cluster (a KubeClient) and its registry (deliver a local build, remove it).
import type { z } from 'zod';
import {
  defineProvider,
  Events,
  PctlError,
  removeImage,
  builtForStack,
  serviceOfKey,
  type AdoptParams,
  type DeployParams,
  type DestroyParams,
  type RegistryCredentials,
  type FoundResource,
  type ProviderContext,
  type ProviderV1,
  type RunOutcome,
  type RunParams,
  type ServiceConfig,
  type ServiceRef,
  type ServiceStatus,
  type StateEntry,
  type StatusParams,
} from '@pctl/core';
import type { KubeClient } from '../client.js';
import { deployService } from '../deployer.js';
import { destroyService } from '../destroy.js';
import { discoverStack } from '../discover.js';
import { renderNotes, renderService } from '../renderService.js';
import { serviceStatus } from '../serviceStatus.js';
import { kubeEntryOutdated } from '../objectNames.js';
import type { KubeCloud } from '../storage.js';
import { optionIssues, type KubeStateExtras } from '../types.js';
import { volumeIssues } from '../volumes.js';
import { adoptKube } from './adopt.js';
import { kubeExec } from './inner/exec.js';
import { kubeLogs } from './inner/logs.js';
import { kubeRun } from './inner/run.js';
import { runPod, runPodName } from './inner/runPod.js';
import { servicePods, type ServicePods } from './inner/pods.js';
import { kubePortForward } from './inner/portForward.js';
import { kubeSyncVerb } from './inner/syncVerb.js';
import { parseProviderOptions } from './options.js';
import { renderInputFor, type ClusterImage, type KubeProviderOptions } from './renderInput.js';

/** A state entry as the skeleton reads it: the shared fields plus whatever the provider keeps. */
export type KubeEntry = Partial<KubeStateExtras> & Partial<StateEntry> & Record<string, unknown>;

export interface KubeProviderSpec<O extends KubeProviderOptions> {
  name: string;
  schema: z.ZodType<O, unknown>;
  /** The cloud whose storage forms the options may use (aws: EBS/EFS, gcp: Filestore); none for kind. */
  cloud?: KubeCloud;
  /** The namespace when the options name none (default: the stack name). */
  defaultNamespace?(ctx: ProviderContext, o: O): string;
  /** The options as render, plan and deploy use them, after parsing (gcp places a bare Filestore instance name in its zone). */
  normalize?(o: O): O;
  /** At deploy (and adopt): what only the cloud knows, filled in (gcp: a Filestore instance's address). */
  complete?(ctx: ProviderContext, o: O, key: string): Promise<O>;
  /** Runs before a deploy touches the cluster (kind creates a missing cluster). */
  prepare?(ctx: ProviderContext, o: O, key: string): Promise<void>;
  /** A client for the cluster the options name. */
  connect(ctx: ProviderContext, o: O): Promise<KubeClient>;
  /** Whether a state entry's `cluster` is the client's (default: the same name). */
  sameCluster?(recorded: string, client: KubeClient, o: O): boolean;
  /** Identity of the options' cluster: discover asks each cluster once. */
  clusterId(o: O): string;
  /**
   * The client for the cluster a state entry records (with the stack file's options when the
   * service is still there with this provider), or undefined when that cluster is gone.
   */
  connectRecorded(
    ctx: ProviderContext,
    key: string,
    entry: KubeEntry,
    o: O | undefined,
  ): Promise<KubeClient | undefined>;
  registry: {
    /** The image the cluster runs for this service, as far as it is known without asking the cloud (render, plan). */
    imageFor(p: DeployParams, o: O): ClusterImage;
    /** At deploy: the image's final reference, once the cloud is asked (ECR: the account's registry). */
    locate?(ctx: ProviderContext, o: O, image: Required<ClusterImage>, key: string): Promise<Required<ClusterImage>>;
    /** A local build's reference as the cluster pulls it (raw manifests' pctl://). */
    clusterRef?(o: O, ref: string): string;
    /** Brings a local build where the cluster pulls it from; true when pctl pushed it now. */
    deliver(ctx: ProviderContext, o: O, image: Required<ClusterImage>, key: string): Promise<boolean>;
    /** Removes what deliver put in a registry (destroy). */
    remove?(ctx: ProviderContext, key: string, entry: KubeEntry): Promise<void>;
    /** Credentials to read images in the registry at `host` when it is the provider's (adopt compares what runs). */
    pullAuth?(ctx: ProviderContext, o: O, host: string): Promise<RegistryCredentials | undefined>;
  };
  /** What the provider's state entries keep beyond the shared ones. */
  stateExtras?(
    p: DeployParams,
    o: O,
    image: ClusterImage,
    pushedNow: boolean,
    prev: KubeEntry,
  ): Record<string, unknown>;
  /** Lines for `pctl plan`. */
  planNotes?(p: DeployParams, o: O, image: ClusterImage): string[];
  /** Whether the core pushes images of services with a `registry` (kind: the node loads them). */
  needsPush: boolean | ((service: ServiceConfig | undefined) => boolean);
}

// The service of a state key; a key that is not `<stack>-<service>` names nothing pctl may touch.
function serviceOf(ctx: ProviderContext, key: string): string {
  const service = serviceOfKey(ctx.stack, key);
  if (service === undefined)
    throw new PctlError({
      code: 'StateInvalid',
      exitCode: 2,
      fault: 'user',
      message: `state entry ${JSON.stringify(key)} is not <stack>-<service> for stack ${ctx.stack}: pctl removes nothing for it`,
      hint: 'remove that entry from the state file',
    });
  return service;
}

/** Builds a provider-contract object from a spec (see KubeProviderSpec). */
export function defineKubeProvider<O extends KubeProviderOptions>(spec: KubeProviderSpec<O>): ProviderV1 {
  const parse = (raw: Record<string, unknown> | undefined): O => {
    const o = parseProviderOptions(spec.schema, raw) as O;
    return spec.normalize ? spec.normalize(o) : o;
  };
  const completed = async (ctx: ProviderContext, raw: Record<string, unknown> | undefined, key: string): Promise<O> => {
    const o = parse(raw);
    return spec.complete ? spec.complete(ctx, o, key) : o;
  };
  const namespaceOf = (ctx: ProviderContext, o: O) => o.namespace ?? spec.defaultNamespace?.(ctx, o) ?? ctx.stack;
  // The stack file's options of a service still deployed with this provider.
  const configured = (ctx: ProviderContext, key: string): O | undefined => {
    const svc = ctx.config.services[serviceOfKey(ctx.stack, key) ?? ''];
    return svc?.provider.name === spec.name ? parse(svc.provider.options) : undefined;
  };
  const input = (p: DeployParams, o: O, image: ClusterImage, redact: boolean) =>
    renderInputFor({
      ctx: p.ctx,
      p,
      o,
      namespace: namespaceOf(p.ctx, o),
      image,
      redact,
      cloud: spec.cloud,
      clusterRef: spec.registry.clusterRef && ((ref) => spec.registry.clusterRef!(o, ref)),
    });

  async function destroyIn(ctx: ProviderContext, key: string, entry: KubeEntry, o: O | undefined): Promise<void> {
    const service = serviceOf(ctx, key);
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

  // Where the inner-loop verbs find the service's pods: the cluster and namespace its state entry records.
  async function podsOf(ref: ServiceRef): Promise<ServicePods> {
    const o = configured(ref.ctx, ref.key);
    const entry = (ref.entry ?? {}) as KubeEntry;
    const ns = entry.namespace ?? (o ? namespaceOf(ref.ctx, o) : ref.ctx.stack);
    const service = serviceOf(ref.ctx, ref.key);
    const client = await spec.connectRecorded(ref.ctx, ref.key, entry, o);
    if (!client)
      throw new PctlError({
        code: 'NotRunning',
        message:
          `service ${service} is not running: the cluster ${entry.cluster ?? ''} it was deployed to is gone`.replace(
            '  ',
            ' ',
          ),
        fault: 'environment',
        exitCode: 1,
        hint: 'pctl status shows what runs; pctl deploy starts it',
      });
    return servicePods(client, ref.ctx.stack, service, ns);
  }

  async function status(p: StatusParams): Promise<ServiceStatus> {
    const o = configured(p.ctx, p.key);
    const entry = (p.entry ?? {}) as KubeEntry;
    const ns = entry.namespace ?? (o ? namespaceOf(p.ctx, o) : p.ctx.stack);
    const client = await spec.connectRecorded(p.ctx, p.key, entry, o);
    if (!client) return { state: 'missing', detail: 'the cluster is gone' };
    return serviceStatus(client, p.ctx.stack, serviceOf(p.ctx, p.key), ns);
  }

  // pctl sync: the pods of the cluster and namespace the state entry records.
  const sync = kubeSyncVerb((p) => {
    const o = configured(p.ctx, p.key);
    const entry = (p.entry ?? {}) as KubeEntry;
    return {
      namespace: entry.namespace ?? (o ? namespaceOf(p.ctx, o) : p.ctx.stack),
      service: serviceOf(p.ctx, p.key),
      connect: () => spec.connectRecorded(p.ctx, p.key, entry, o),
    };
  });

  // pctl run: a one-off pod from the template a deploy renders now, in the cluster and namespace the options name.
  async function run(p: RunParams): Promise<RunOutcome> {
    const { ctx, target } = p;
    const o = await completed(ctx, target.service.provider.options, target.key);
    // No prepare: a one-off creates no cluster (kind); a missing one is an error from connect.
    let image = spec.registry.imageFor(p, o);
    if (image.local && spec.registry.locate)
      image = await spec.registry.locate(ctx, o, image as Required<ClusterImage>, target.key);
    if (image.local && !ctx.flags.skipPush)
      await spec.registry.deliver(ctx, o, image as Required<ClusterImage>, target.key);
    const client = await spec.connect(ctx, o);
    const service = serviceOf(ctx, target.key);
    const pod = runPod(renderService(input(p, o, image, false)), {
      stack: ctx.stack,
      service,
      name: runPodName(ctx.stack, service),
      command: p.command,
      stdin: Boolean(p.stdin),
      tty: Boolean(p.tty),
    });
    return kubeRun({ client, stack: ctx.stack, service, pod }, p);
  }

  function discover({ ctx }: { ctx: ProviderContext }): Promise<FoundResource[]> {
    return discoverStack(Object.values(ctx.config.services), ctx.stack, spec.name, parse, spec.clusterId, (o) =>
      spec.connect(ctx, o),
    );
  }

  return defineProvider({
    apiVersion: 1,
    name: spec.name,
    validateOptions: (raw) => optionIssues(spec.schema, raw, spec.cloud),
    validateService: (svc) => volumeIssues(svc.volumes ?? []),
    needsPush: (_options, service) => (typeof spec.needsPush === 'function' ? spec.needsPush(service) : spec.needsPush),
    async render(p) {
      const o = parse(p.target.service.provider.options);
      return renderService(input(p, o, spec.registry.imageFor(p, o), true)) as unknown as Record<string, unknown>[];
    },
    async plan(p: DeployParams) {
      const o = parse(p.target.service.provider.options);
      return [...(spec.planNotes?.(p, o, spec.registry.imageFor(p, o)) ?? []), ...renderNotes(p.target.service)];
    },
    outdated: kubeEntryOutdated,
    adopt,
    deploy,
    destroy,
    status,
    discover,
    // pods/log merges stdout and stderr: every line comes as stdout.
    logStreams: 'merged',
    logs: async (p) => kubeLogs(await podsOf(p), p),
    exec: async (p) => kubeExec(await podsOf(p), p),
    portForward: async (p) => kubePortForward(await podsOf(p), p),
    sync,
    run,
  });
}
