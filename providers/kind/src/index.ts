// The kind provider: a local Kubernetes cluster in Docker. It makes sure the cluster exists
// (`kind create cluster`), loads the images pctl built into its node when the node lacks
// them (`kind load docker-image`; nothing is pushed), and deploys with the shared
// Kubernetes deployer to the context `kind-<cluster>` of the user's kubeconfig.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { stringify } from 'yaml';
import {
  defineProvider,
  PctlError,
  type DeployParams,
  type DestroyParams,
  type Exec,
  type FoundResource,
  type ProviderContext,
  type ServiceStatus,
  type StateEntry,
  type StatusParams,
} from '@pctl/core';
import {
  connect,
  deployService,
  destroyService,
  discoverStack,
  KubeServiceOptionsSchema,
  loadManifests,
  optionIssues,
  kubeEntryOutdated,
  renderNotes,
  renderService,
  serviceStatus,
  type KubeClient,
  type KubeStateExtras,
  type RenderInput,
} from '@pctl/kube';

const portMapping = z.strictObject({
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(1).max(65535).optional(),
  listenAddress: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});
const extraMount = z.strictObject({ hostPath: z.string(), containerPath: z.string(), readOnly: z.boolean().optional() });

export const KindOptionsSchema = KubeServiceOptionsSchema.extend({
  cluster: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label').default('pctl'),
  /** A kind config file (relative to the stack file), or inline extra mounts and port mappings. */
  config: z.union([z.string(), z.strictObject({ extraMounts: z.array(extraMount).optional(), extraPortMappings: z.array(portMapping).optional() })]).optional(),
  nodeImage: z.string().optional(),
  /** kubeconfig context (default `kind-<cluster>`, as kind names it). */
  context: z.string().optional(),
}).strict();
export type KindOptions = z.output<typeof KindOptionsSchema>;

const INSTALL_HINT = 'install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation, e.g. `go install sigs.k8s.io/kind@latest`) and put it on PATH';

function options(raw: Record<string, unknown> | undefined): KindOptions {
  const r = KindOptionsSchema.safeParse(raw ?? {});
  if (!r.success) throw new PctlError({ code: 'InvalidConfig', message: `provider.options: ${r.error.issues[0]?.message}`, fault: 'user' });
  return r.data;
}

async function kind(ctx: ProviderContext, args: string[], what: string) {
  try {
    return await ctx.exec('kind', args);
  } catch (e) {
    const err = e as PctlError;
    if (err.code === 'CommandNotFound') throw new PctlError({ code: 'KindNotFound', message: `${what}: the kind command is not installed`, fault: 'environment', hint: INSTALL_HINT });
    throw err;
  }
}

// One `kind get clusters` / `kind create cluster` per cluster and run, however many services use it.
const clusters = new Map<string, Promise<void>>();

function ensureCluster(ctx: ProviderContext, o: KindOptions): Promise<void> {
  let p = clusters.get(o.cluster);
  if (!p) {
    p = (async () => {
      const out = (await kind(ctx, ['get', 'clusters'], 'listing kind clusters')).stdout;
      if (out.split('\n').map((l) => l.trim()).includes(o.cluster)) return;
      const args = ['create', 'cluster', '--name', o.cluster, '--wait', '120s'];
      const config = kindConfigFile(ctx, o);
      if (config) args.push('--config', config);
      if (o.nodeImage) args.push('--image', o.nodeImage);
      ctx.reporter.info(`creating kind cluster ${o.cluster}`, undefined, 'KindCreateCluster');
      await kind(ctx, args, `creating kind cluster ${o.cluster}`);
    })();
    clusters.set(o.cluster, p);
    p.catch(() => clusters.delete(o.cluster));
  }
  return p;
}

function kindConfigFile(ctx: ProviderContext, o: KindOptions): string | undefined {
  if (!o.config) return undefined;
  if (typeof o.config === 'string') return path.resolve(ctx.configDir, o.config);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-kind-'));
  const file = path.join(dir, 'kind-config.yaml');
  const node: Record<string, unknown> = { role: 'control-plane' };
  if (o.config.extraMounts) node.extraMounts = o.config.extraMounts;
  if (o.config.extraPortMappings) node.extraPortMappings = o.config.extraPortMappings;
  writeFileSync(file, stringify({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', nodes: [node] }));
  return file;
}

// Loads a built image into the node unless the node already has that tag.
async function loadImage(ctx: ProviderContext, o: KindOptions, ref: string, key: string): Promise<void> {
  const node = `${o.cluster}-control-plane`;
  const has = await ctx.exec('docker', ['exec', node, 'crictl', 'inspecti', '-q', ref], { reject: false });
  if (has.exitCode === 0) {
    ctx.reporter.debug(`${ref} is already on ${node}`, key);
    return;
  }
  ctx.reporter.info(`loading ${ref} into kind cluster ${o.cluster}`, key, 'KindLoadImage');
  await kind(ctx, ['load', 'docker-image', '--name', o.cluster, ref], `loading ${ref} into kind`);
}

const clientFor = (o: KindOptions): Promise<KubeClient> => connect({ context: o.context ?? `kind-${o.cluster}`, hint: `create the cluster with pctl deploy or \`kind create cluster --name ${o.cluster}\`, or \`kind export kubeconfig --name ${o.cluster}\`` });

// A prebuilt image from a registry with credentials: the node pulls it with a pull Secret.
// (Images pctl built are loaded into the node and need none.) `pctl render` shows the
// Secret with the password redacted.
function pullSecretFor(p: DeployParams, redact: boolean): RenderInput['pullSecret'] {
  const reg = p.target.service.registry;
  if (p.target.image.builtByPctl || !reg || typeof reg !== 'object' || !reg.username || !reg.password) return undefined;
  const server = reg.url.replace(/^[a-z]+:\/\//, '').split('/')[0]!;
  return { server, username: reg.username, password: redact ? '<redacted>' : reg.password };
}

function renderInput(ctx: ProviderContext, p: DeployParams, o: KindOptions, redact = false): RenderInput {
  const svc = p.target.service;
  return {
    pullSecret: pullSecretFor(p, redact),
    stack: ctx.stack,
    service: p.target.name,
    config: svc,
    image: p.target.image.ref,
    namespace: o.namespace ?? ctx.stack,
    options: o,
    fingerprint: p.target.fingerprint,
    manifests: svc.manifests?.length ? loadManifests(svc.manifests, ctx.configDir) : undefined,
    images: p.target.imageRefs,
    secrets: ctx.secrets,
    redact,
  };
}

const extras = (e: StateEntry | undefined): Partial<KubeStateExtras> => (e ?? {}) as Partial<KubeStateExtras>;

async function deploy(p: DeployParams): Promise<StateEntry> {
  const { ctx, target } = p;
  const o = options(target.service.provider.options);
  const input = renderInput(ctx, p, o);
  await ensureCluster(ctx, o);
  // Images pctl built (also those a service takes with pctl://other) live only in the local engine.
  if (target.image.ref && (target.image.builtByPctl || target.service.image?.startsWith('pctl://'))) await loadImage(ctx, o, target.image.ref, target.key);
  const client = await clientFor(o);
  const prev = extras(p.previous);
  const result = await deployService(client, input, {
    reporter: ctx.reporter,
    signal: ctx.signal,
    rolloutTimeoutMs: (o.rolloutTimeout ?? 300) * 1000,
    previous: prev.cluster === undefined || prev.cluster === client.clusterName ? prev : undefined,
  });
  // Moved to another cluster: now that it runs in the new one, it goes from the old one.
  if (p.previous && !p.previous.destroyed && prev.cluster && prev.cluster !== client.clusterName) {
    await removeFromOldCluster(ctx, target.key, target.name, prev);
  }
  const replica = target.service.scale?.replica ?? 1;
  return {
    provider: 'kind',
    ...(target.image.ref ? { image: target.image.ref } : {}),
    labels: target.labels,
    fingerprint: target.fingerprint,
    replica,
    hasPorts: Boolean(target.service.ports?.length),
    builtByPctl: target.image.builtByPctl,
    pushedByPctl: false,
    ...result,
  };
}

async function removeFromOldCluster(ctx: ProviderContext, key: string, service: string, prev: Partial<KubeStateExtras>): Promise<void> {
  const oldName = prev.cluster!.replace(/^kind-/, '');
  const exists = (await kind(ctx, ['get', 'clusters'], 'listing kind clusters')).stdout.split('\n').map((l) => l.trim()).includes(oldName);
  if (!exists) {
    ctx.reporter.info(`kind cluster ${oldName} is gone, and the old copy of the service with it`, key);
    return;
  }
  // An old cluster that exists but cannot be reached fails the deploy: its objects must not be forgotten.
  const old = await connect({ context: prev.cluster, hint: `start the kind cluster ${oldName} so pctl can remove ${key} from it, or delete it (kind delete cluster --name ${oldName})` });
  ctx.reporter.info(`removing from the previous cluster ${prev.cluster}`, key, 'ClusterMoved');
  await destroyService(old, { stack: ctx.stack, service, entry: prev, reporter: ctx.reporter, signal: ctx.signal });
}

async function destroy(p: DestroyParams): Promise<void> {
  const o = options((p.ctx.config.services[p.key.slice(p.ctx.stack.length + 1)]?.provider.options ?? { cluster: extras(p.entry).cluster?.replace(/^kind-/, '') }) as Record<string, unknown>);
  const clusterExists = (await kind(p.ctx, ['get', 'clusters'], 'listing kind clusters')).stdout.split('\n').map((l) => l.trim()).includes(o.cluster);
  if (!clusterExists) {
    p.ctx.reporter.info(`kind cluster ${o.cluster} is gone, and its objects with it`, p.key);
  } else {
    const client = await clientFor(o);
    await destroyService(client, { stack: p.ctx.stack, service: p.key.slice(p.ctx.stack.length + 1), entry: extras(p.entry), reporter: p.ctx.reporter, signal: p.ctx.signal });
  }
  // The image pctl built stays on the local engine otherwise (another service may have taken it already).
  if (p.entry.builtByPctl && p.entry.image) {
    const r = await p.ctx.exec('docker', ['rmi', '--', p.entry.image], { reject: false });
    if (r.exitCode !== 0 && !/No such image|being used|conflict|must be forced/i.test(r.stderr)) p.ctx.reporter.warn(`could not remove the image ${p.entry.image}: ${r.stderr.split('\n')[0]}`, p.key);
  }
}

async function status(p: StatusParams): Promise<ServiceStatus> {
  const name = p.key.slice(p.ctx.stack.length + 1);
  const o = options(p.ctx.config.services[name]?.provider.options as Record<string, unknown> | undefined);
  const ns = extras(p.entry).namespace ?? o.namespace ?? p.ctx.stack;
  return serviceStatus(await clientFor(o), p.ctx.stack, name, ns);
}

function discover({ ctx }: { ctx: ProviderContext }): Promise<FoundResource[]> {
  return discoverStack(Object.values(ctx.config.services), ctx.stack, 'kind', options, (o) => o.context ?? o.cluster, clientFor);
}

export default defineProvider({
  apiVersion: 1,
  name: 'kind',
  validateOptions: (raw) => optionIssues(KindOptionsSchema, raw),
  needsPush: () => false,
  async render(p) {
    const o = options(p.target.service.provider.options);
    return renderService(renderInput(p.ctx, p, o, true)) as unknown as Record<string, unknown>[];
  },
  plan: async (p) => renderNotes(p.target.service),
  outdated: kubeEntryOutdated,
  deploy,
  destroy,
  status,
  discover,
});

export type { Exec };
