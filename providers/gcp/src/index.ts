// The gcp provider: Google Kubernetes Engine, with the images pctl built pushed to Artifact
// Registry. Credentials are Application Default Credentials (google-auth-library, loaded
// only when a gcp service is deployed, destroyed or inspected); the access token is the
// password for `docker login` (on stdin) and the GKE cluster's bearer token. The cluster is
// read from the GKE API (endpoint and CA) into an in-memory kubeconfig, unless `context`
// names one of the user's kubeconfig; then the shared Kubernetes deployer does the rest.
import { builtForStack, PctlError, removeImage, tagImage, type DeployParams, type ProviderContext } from '@pctl/core';
import { connect, defineKubeProvider, renewingToken, tokenClient, type ClusterImage, type KubeClient, type KubeEntry, type KubeStateExtras } from '@pctl/kube';
import { defaultTokenSource, getCluster, GoogleApiError } from './google.js';
import { containerEndpoint, GcpOptionsSchema, regionOf, registryHostFor, type GcpOptions } from './options.js';
import { artifactRegistry, parseImage, TOKEN_USER } from './registry.js';
import { completeFilestore, placeFilestore } from './filestore.js';

export { GcpOptionsSchema, regionOf, registryHostFor, containerEndpoint, type GcpOptions } from './options.js';

/** What a gcp state entry records beyond the shared Kubernetes fields. */
export interface GcpStateExtras extends KubeStateExtras {
  gcp: { project: string; location: string; gkeCluster: string; context?: string; endpoint?: string; registryHost?: string };
  /** The Artifact Registry image the Deployment runs (images pctl built). */
  artifactImage?: string;
  /** Whether pctl pushed artifactImage (destroy deletes the tag only then). */
  artifactPushedByPctl?: boolean;
}

const token = async () => (await defaultTokenSource()).token();

// ---- cluster ---------------------------------------------------------------------------

const contextName = (project: string, location: string, cluster: string) => `gke_${project}_${location}_${cluster}`;
type Where = Pick<GcpOptions, 'project' | 'zone' | 'cluster' | 'context' | 'endpoint'>;

// google-auth-library caches the access token and refreshes it before it expires; the
// Kubernetes client asks it again on every request (and once more after a 401).
const clusterTokens = renewingToken(async () => (await defaultTokenSource()).bearer());

async function clusterClient(where: Where, signal?: AbortSignal): Promise<KubeClient> {
  if (where.context) return connect({ context: where.context, hint: `get it with: gcloud container clusters get-credentials ${where.cluster} --location ${where.zone} --project ${where.project}` });
  const c = await getCluster(containerEndpoint(where), await token(), where.project, where.zone, where.cluster, signal);
  return tokenClient({
    name: contextName(where.project, where.zone, where.cluster),
    server: c.endpoint,
    caData: c.masterAuth?.clusterCaCertificate,
    tokens: clusterTokens,
    hint: `check that the GKE cluster ${where.cluster} runs and the credentials may use it (roles/container.developer)`,
  });
}

// ---- images ------------------------------------------------------------------------------

// `pctl-<stack>-<service>:<tag>`, an image pctl built into the local engine.
const isLocalBuild = (ref: string) => /^pctl-[a-z0-9][-a-z0-9_.]*:[\w.-]+$/.test(ref);

/** <host>/<project>/<repository>/<stack>-<service>:<content tag> for a local build. */
export function artifactRef(o: GcpOptions, localRef: string): string {
  const colon = localRef.lastIndexOf(':');
  const name = localRef.slice(0, colon).replace(/^pctl-/, '');
  return `${registryHostFor(o)}/${o.project}/${o.repository}/${name}:${localRef.slice(colon + 1)}`;
}

const logins = new Map<string, Promise<void>>();
const pushes = new Map<string, Promise<boolean>>();

async function dockerLogin(ctx: ProviderContext, host: string): Promise<void> {
  let p = logins.get(host);
  if (!p) {
    p = (async () => {
      const t = await token();
      const r = await ctx.exec('docker', ['login', '--username', TOKEN_USER, '--password-stdin', '--', host], { input: t, secrets: [t], reject: false });
      if (r.exitCode !== 0) {
        throw new PctlError({
          code: 'RegistryLoginFailed',
          message: `logging in to Artifact Registry ${host} with the Google access token failed: ${r.stderr.split('\n').filter(Boolean).at(-1) ?? `exit ${r.exitCode}`}`,
          fault: 'environment',
          exitCode: 1,
          hint: 'the credentials need roles/artifactregistry.writer on the repository',
        });
      }
    })();
    logins.set(host, p);
    p.catch(() => logins.delete(host));
  }
  return p;
}

/** Puts a local build into Artifact Registry unless the tag is there; true when pushed now. */
function ensurePushed(ctx: ProviderContext, o: GcpOptions, localRef: string, key: string): Promise<boolean> {
  const ref = artifactRef(o, localRef);
  let p = pushes.get(ref);
  if (!p) {
    p = (async () => {
      const { host, name, tag } = parseImage(ref);
      const api = artifactRegistry(host, await token(), ctx.signal);
      if (await api.digest(name, tag)) {
        ctx.reporter.info(`${ref} is already in Artifact Registry, not pushing`, key, 'PushSkipped');
        return false;
      }
      await dockerLogin(ctx, host);
      ctx.reporter.info(`pushing ${ref}`, key, 'PushStarted');
      await tagImage(ctx, localRef, ref);
      const pushed = await ctx.exec('docker', ['push', '--', ref], { reject: false, signal: ctx.signal });
      if (pushed.exitCode !== 0) {
        throw new PctlError({
          code: 'PushFailed',
          message: `pushing ${ref}: ${(pushed.stderr || pushed.stdout).split('\n').filter(Boolean).at(-1) ?? `exit ${pushed.exitCode}`}`,
          fault: 'environment',
          exitCode: 1,
          hint: `check that the Artifact Registry repository ${o.repository} exists in ${o.registryLocation ?? regionOf(o.zone)} (gcloud artifacts repositories create ${o.repository} --repository-format=docker --location ${o.registryLocation ?? regionOf(o.zone)} --project ${o.project})`,
        });
      }
      return true;
    })();
    pushes.set(ref, p);
    p.catch(() => pushes.delete(ref));
  }
  return p;
}

/** The image the cluster runs: built images (with no `registry` of their own) from Artifact Registry. */
function imageFor(p: DeployParams, o: GcpOptions): ClusterImage {
  const { target } = p;
  const ref = target.image.ref;
  if (ref && !target.service.registry && (target.image.builtByPctl || target.service.image?.startsWith('pctl://')) && isLocalBuild(ref)) return { ref: artifactRef(o, ref), local: ref };
  return { ref };
}

type GcpWhere = GcpStateExtras['gcp'];
const whereOf = (o: GcpOptions): GcpWhere => ({ project: o.project, location: o.zone, gkeCluster: o.cluster, context: o.context, endpoint: o.endpoint, registryHost: o.registryHost });

// An entry the original pctl wrote names the cluster by name, with `project` and `zone` beside it.
function originalWhere(entry: KubeEntry): GcpWhere | undefined {
  const { project, zone, cluster } = entry as { project?: unknown; zone?: unknown; cluster?: unknown };
  return typeof project === 'string' && typeof zone === 'string' && typeof cluster === 'string' ? { project, location: zone, gkeCluster: cluster } : undefined;
}

// The GKE cluster of a state entry (or the stack file's); a deleted cluster took its objects with it.
async function connectRecorded(ctx: ProviderContext, key: string, entry: KubeEntry, o: GcpOptions | undefined): Promise<KubeClient | undefined> {
  const where = o ? whereOf(o) : ((entry as Partial<GcpStateExtras>).gcp ?? originalWhere(entry));
  if (!where) throw new PctlError({ code: 'StateIncomplete', message: `${key}: the state entry does not say which GKE cluster it is in`, fault: 'tool', exitCode: 1, hint: 'put the service back in the stack file with its gcp options, then destroy' });
  try {
    return await clusterClient({ project: where.project, zone: where.location, cluster: where.gkeCluster, context: where.context, endpoint: where.endpoint }, ctx.signal);
  } catch (e) {
    if (e instanceof GoogleApiError && e.status === 404) {
      ctx.reporter.info(`GKE cluster ${where.gkeCluster} is gone, and its objects with it`, key);
      return undefined;
    }
    throw e;
  }
}

// The Artifact Registry tag goes only when pctl pushed it, and only with the service whose
// build it is (others that take it with pctl:// leave it).
async function removeArtifact(ctx: ProviderContext, key: string, e: KubeEntry): Promise<void> {
  const entry = e as Partial<GcpStateExtras>;
  if (!entry.artifactImage || !entry.artifactPushedByPctl) return;
  const { host, name, tag } = parseImage(entry.artifactImage);
  if (name.endsWith(`/${key}`)) {
    const r = await artifactRegistry(host, await token(), ctx.signal).deleteTag(name, tag);
    if (r === 'deleted') ctx.reporter.info(`deleted ${entry.artifactImage} from Artifact Registry`, key, 'ImageDeleted');
    else if (r === 'unsupported') ctx.reporter.info(`the registry does not allow deletes: ${entry.artifactImage} stays`, key);
  }
  // The local tag pctl made: only on an image its labels say pctl built for the stack.
  if (await builtForStack(ctx, entry.artifactImage, ctx.stack)) await removeImage(ctx, entry.artifactImage);
}

function stateExtras(p: DeployParams, o: GcpOptions, image: ClusterImage, pushedNow: boolean, prev: KubeEntry): Omit<GcpStateExtras, keyof KubeStateExtras> {
  const before = prev as Partial<GcpStateExtras>;
  const samePrevious = before.artifactImage === image.ref && !p.previous?.destroyed;
  return {
    gcp: {
      project: o.project,
      location: o.zone,
      gkeCluster: o.cluster,
      ...(o.context ? { context: o.context } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.registryHost ? { registryHost: o.registryHost } : {}),
    },
    ...(image.local ? { artifactImage: image.ref, artifactPushedByPctl: pushedNow || (samePrevious && Boolean(before.artifactPushedByPctl)) } : {}),
  };
}

export default defineKubeProvider<GcpOptions>({
  name: 'gcp',
  cloud: 'gcp',
  schema: GcpOptionsSchema,
  // Only asked for services with a `registry` of their own: the core pushes there, as told.
  needsPush: true,
  normalize: placeFilestore,
  complete: completeFilestore,
  connect: (ctx, o) => clusterClient(o, ctx.signal),
  // The original pctl records the GKE cluster's name (with project and zone beside it); pctl records the context's cluster.
  sameCluster: (recorded, _client, o) => recorded === o.cluster,
  clusterId: (o) => o.context ?? contextName(o.project, o.zone, o.cluster),
  connectRecorded,
  registry: {
    imageFor,
    clusterRef: (o, ref) => (isLocalBuild(ref) ? artifactRef(o, ref) : ref),
    deliver: (ctx, o, image, key) => ensurePushed(ctx, o, image.local, key),
    // The Google access token reads Artifact Registry (the options' host, or any *-docker.pkg.dev).
    pullAuth: async (_ctx, o, host) => (host === registryHostFor(o) || /-docker\.pkg\.dev$/.test(host) ? { username: TOKEN_USER, password: await token() } : undefined),
    remove: removeArtifact,
  },
  stateExtras,
  planNotes: (_p, o, image) => [`GKE cluster ${o.cluster} (${o.project}, ${o.zone}), namespace ${o.namespace}`, ...(image.local ? [`image ${image.ref} (pushed to Artifact Registry unless it is there)`] : [])],
});
