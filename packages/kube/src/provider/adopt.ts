// `adopt` of the Kubernetes providers: the first deploy after migrating keeps the pods the
// original pctl runs when they provably run what pctl would run (the core has found the
// service's definition and Dockerfile unchanged). The Deployment must be the service's,
// rolled out, and run the same image — a prebuilt reference as written; a built one, the
// image in the registry having the filesystem layers and run settings of the image pctl
// builds now — and applying pctl's objects with that image must leave the pod template as it
// is. pctl's objects are then applied (Service, ServiceAccount, its annotations...), which
// rolls nothing, and pctl's entry is recorded.
import {
  inspectImage,
  parseImage,
  RegistryApi,
  registryHost,
  runSettings,
  type AdoptParams,
  type AdoptResult,
  type DeployParams,
  type RegistryCredentials,
  type StateEntry,
} from '@pctl/core';
import { liveDeployment, templateChange } from '../adoptDeployment.js';
import type { KubeClient } from '../client.js';
import { deployService } from '../deployer.js';
import { splitEnv } from '../env.js';
import { serviceObjectNames } from '../objectNames.js';
import { renderService } from '../renderService.js';
import type { KubeStateExtras, RenderInput } from '../types.js';
import type { ClusterImage } from './renderInput.js';

export interface KubeAdoptSteps {
  namespace: string;
  connect(): Promise<KubeClient>;
  sameCluster(recorded: string, client: KubeClient): boolean;
  /** The image pctl would run (before the cloud is asked). */
  image: ClusterImage;
  /** Render input with this image in place of pctl's. */
  input(image: ClusterImage): RenderInput;
  /** Credentials for reading the registry at `host` (the provider's cloud registry), if it has any. */
  pullAuth?(host: string): Promise<RegistryCredentials | undefined>;
  rolloutTimeoutMs: number;
  /** The provider's entry fields beyond the shared ones (nothing pushed). */
  stateExtras(image: ClusterImage): Record<string, unknown>;
  provider: string;
}

const no = (reason: string): AdoptResult => ({ adopt: false, reason });
const short = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

// Credentials for the registry of `ref`: the service's own `registry` login for its host, else the provider's.
async function credentialsFor(
  p: DeployParams,
  ref: string,
  steps: KubeAdoptSteps,
): Promise<RegistryCredentials | undefined> {
  const host = registryHost(ref);
  const reg = p.target.service.registry;
  if (reg && typeof reg === 'object' && reg.username && reg.password && registryHost(reg.url) === host)
    return { username: reg.username, password: reg.password };
  return steps.pullAuth?.(host);
}

// Why the image the Deployment runs is not the one the service asks for; a note when plan cannot tell yet.
async function imageMismatch(
  p: AdoptParams,
  live: string,
  steps: KubeAdoptSteps,
): Promise<{ why?: string; note?: string }> {
  const { ctx, target, mode } = p;
  if (!target.image.builtByPctl)
    return live === steps.image.ref
      ? {}
      : { why: `its Deployment runs ${live}, the stack file says ${steps.image.ref}` };
  const built = await inspectImage(ctx, target.image.ref);
  if (!built)
    return mode === 'plan'
      ? { note: `kept if the image built now has the filesystem layers of ${live}` }
      : { why: `image ${target.image.ref} is missing after the build` };
  const host = registryHost(live);
  if (!live.includes('/') || !/[.:]|^localhost$/.test(host))
    return { why: `its Deployment runs ${live}, which names no registry pctl can read` };
  const { name, tag } = parseImage(live);
  const registry = new RegistryApi({ host, credentials: await credentialsFor(p, live, steps), signal: ctx.signal });
  const remote = await registry.image(name, tag, { os: built.Os, architecture: built.Architecture });
  if (!remote)
    return {
      why: `${live}, which its Deployment runs, is not in the registry (for ${built.Os ?? 'linux'}/${built.Architecture ?? 'amd64'})`,
    };
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (!same(built.RootFS?.Layers ?? [], remote.diffIds))
    return {
      why: `the image built now (${target.image.ref}) has other filesystem layers than ${live}, which its Deployment runs: the build context changed, or the build cache no longer holds the original's layers`,
    };
  const a = runSettings(built.Config);
  const b = runSettings(remote.config);
  const differs = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k]));
  if (differs.length)
    return {
      why: `the image built now differs from ${live} (${short(remote.digest ?? '')}) in ${differs.sort().join(', ')}`,
    };
  return {};
}

/** The Kubernetes providers' `adopt` (see the top of this file). */
export async function adoptKube(p: AdoptParams, steps: KubeAdoptSteps): Promise<AdoptResult> {
  const { ctx, target, previous, mode } = p;
  const prev = previous as Partial<KubeStateExtras> & StateEntry;
  if (prev.namespace && prev.namespace !== steps.namespace)
    return no(`the original deployed it in namespace ${prev.namespace}, the stack file says ${steps.namespace}`);
  const secret = Object.keys(splitEnv(target.service.env, ctx.secrets ?? [], '').secretData);
  if (secret.length)
    return no(
      `env ${secret.join(', ')} comes from resolvers: pctl keeps such values in the Secret ${serviceObjectNames(ctx.stack, target.name).envSecret}, not in the Deployment (its pods roll once)`,
    );
  const client = await steps.connect();
  if (prev.cluster && !steps.sameCluster(prev.cluster, client))
    return no(
      `the original deployed it to cluster ${prev.cluster}, the stack file's options reach ${client.clusterName}`,
    );
  const live = await liveDeployment(client, ctx.stack, target.name, steps.namespace);
  if ('why' in live) return no(live.why);
  const image = await imageMismatch(p, live.image, steps);
  if (image.why) return no(image.why);
  const running: ClusterImage = { ref: live.image, ...(steps.image.local ? { local: steps.image.local } : {}) };
  const input = steps.input(running);
  const deployment = renderService(input).find(
    (o) =>
      o.kind === 'Deployment' &&
      o.apiVersion === 'apps/v1' &&
      o.metadata.name === serviceObjectNames(ctx.stack, target.name).workload,
  );
  if (!deployment) return no('pctl renders no Deployment for it');
  const change = await templateChange(client, deployment, live.deployment);
  if (change) return no(change);
  const note = [image.note, 'its other objects are applied in place (no rollout)'].filter(Boolean).join('; ');
  if (mode === 'plan') return { adopt: true, note, entry: { provider: steps.provider } };
  const extras = await deployService(client, input, {
    reporter: ctx.reporter,
    signal: ctx.signal,
    rolloutTimeoutMs: steps.rolloutTimeoutMs,
    previous: prev,
  });
  return {
    adopt: true,
    note,
    entry: {
      provider: steps.provider,
      replica: target.service.scale?.replica ?? 1,
      hasPorts: Boolean(target.service.ports?.length),
      ...extras,
      ...steps.stateExtras({ ref: live.image }),
      // The image the original built on this machine goes with the service (destroy), or once a redeploy replaces it.
      ...(prev.pushedByPctl === true &&
      typeof prev.image === 'string' &&
      prev.image !== target.image.ref &&
      prev.image !== live.image
        ? { originalImage: prev.image }
        : {}),
    },
  };
}
