// The kind provider: a local Kubernetes cluster in Docker. It makes sure the cluster exists
// (`kind create cluster`), loads the images pctl built into its node when the node lacks
// them (`kind load docker-image`; nothing is pushed), and deploys with the shared
// Kubernetes deployer to the context `kind-<cluster>` of the user's kubeconfig.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { stringify } from 'yaml';
import { Events, PctlError, type DeployParams, type Exec, type ProviderContext } from '@pctl/core';
import {
  connect,
  defineKubeProvider,
  KubeServiceOptionsSchema,
  parseProviderOptions,
  type ClusterImage,
  type KubeClient,
  type KubeEntry,
} from '@pctl/kube';

const portMapping = z.strictObject({
  containerPort: z.number().int().min(1).max(65535),
  hostPort: z.number().int().min(1).max(65535).optional(),
  listenAddress: z.string().optional(),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
});
const extraMount = z.strictObject({
  hostPath: z.string(),
  containerPath: z.string(),
  readOnly: z.boolean().optional(),
});

export const KindOptionsSchema = KubeServiceOptionsSchema.extend({
  cluster: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
    .default('pctl'),
  /** A kind config file (relative to the stack file), or inline extra mounts and port mappings. */
  config: z
    .union([
      z.string(),
      z.strictObject({
        extraMounts: z.array(extraMount).optional(),
        extraPortMappings: z.array(portMapping).optional(),
      }),
    ])
    .optional(),
  nodeImage: z.string().optional(),
  /** kubeconfig context (default `kind-<cluster>`, as kind names it). */
  context: z.string().optional(),
}).strict();
export type KindOptions = z.output<typeof KindOptionsSchema>;

const INSTALL_HINT =
  'install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation, e.g. `go install sigs.k8s.io/kind@latest`) and put it on PATH';

const options = (raw: Record<string, unknown> | undefined): KindOptions => parseProviderOptions(KindOptionsSchema, raw);

async function kind(ctx: ProviderContext, args: string[], what: string) {
  try {
    return await ctx.exec('kind', args);
  } catch (e) {
    const err = e as PctlError;
    if (err.code === 'CommandNotFound')
      throw new PctlError({
        code: 'KindNotFound',
        message: `${what}: the kind command is not installed`,
        fault: 'environment',
        hint: INSTALL_HINT,
      });
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
      if (
        out
          .split('\n')
          .map((l) => l.trim())
          .includes(o.cluster)
      )
        return;
      const args = ['create', 'cluster', '--name', o.cluster, '--wait', '120s'];
      const config = kindConfigFile(ctx, o);
      if (config) args.push('--config', config);
      if (o.nodeImage) args.push('--image', o.nodeImage);
      ctx.reporter.info(`creating kind cluster ${o.cluster}`, undefined, Events.KindCreateCluster);
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
  ctx.reporter.info(`loading ${ref} into kind cluster ${o.cluster}`, key, Events.KindLoadImage);
  await kind(ctx, ['load', 'docker-image', '--name', o.cluster, ref], `loading ${ref} into kind`);
}

const clientFor = (o: KindOptions): Promise<KubeClient> =>
  connect({
    context: o.context ?? `kind-${o.cluster}`,
    hint: `create the cluster with pctl deploy or \`kind create cluster --name ${o.cluster}\`, or \`kind export kubeconfig --name ${o.cluster}\``,
  });

const clusterExists = async (ctx: ProviderContext, name: string) =>
  (await kind(ctx, ['get', 'clusters'], 'listing kind clusters')).stdout
    .split('\n')
    .map((l) => l.trim())
    .includes(name);

// The cluster a state entry records; a kind cluster deleted since took the service's objects with it.
async function connectRecorded(
  ctx: ProviderContext,
  key: string,
  entry: KubeEntry,
  configured: KindOptions | undefined,
): Promise<KubeClient | undefined> {
  const o = configured ?? options({ cluster: entry.cluster?.replace(/^kind-/, '') });
  if (!(await clusterExists(ctx, o.cluster))) {
    ctx.reporter.info(`kind cluster ${o.cluster} is gone, and its objects with it`, key);
    return undefined;
  }
  // An old cluster that exists but cannot be reached fails: its objects must not be forgotten.
  return configured
    ? clientFor(o)
    : connect({
        context: entry.cluster,
        hint: `start the kind cluster ${o.cluster} so pctl can reach ${key} in it, or delete it (kind delete cluster --name ${o.cluster})`,
      });
}

// Images pctl built (also those a service takes with pctl://other) live only in the local engine: the node loads them.
function imageFor(p: DeployParams): ClusterImage {
  const { target } = p;
  const ref = target.image.ref;
  return ref && (target.image.builtByPctl || target.service.image?.startsWith('pctl://'))
    ? { ref, local: ref }
    : { ref };
}

export default defineKubeProvider<KindOptions>({
  name: 'kind',
  schema: KindOptionsSchema,
  needsPush: false,
  prepare: (ctx, o) => ensureCluster(ctx, o),
  connect: async (_ctx, o) => clientFor(o),
  clusterId: (o) => o.context ?? o.cluster,
  connectRecorded,
  registry: {
    imageFor,
    deliver: async (ctx, o, image, key) => {
      await loadImage(ctx, o, image.local, key);
      return false;
    },
  },
  stateExtras: () => ({ pushedByPctl: false }),
});

export type { Exec };
