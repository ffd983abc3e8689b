// The gcp provider: Google Kubernetes Engine, with the images pctl built pushed to Artifact
// Registry. Credentials are Application Default Credentials (google-auth-library, loaded
// only when a gcp service is deployed, destroyed or inspected); the access token is the
// password for `docker login` (on stdin) and the GKE cluster's bearer token. The cluster is
// read from the GKE API (endpoint and CA) into an in-memory kubeconfig, unless `context`
// names one of the user's kubeconfig; then the shared Kubernetes deployer does the rest.
import {
  defineProvider,
  PctlError,
  type DeployParams,
  type DestroyParams,
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
  optionIssues,
  KubeClient,
  loadKubeSdk,
  loadManifests,
  kubeEntryOutdated,
  renderNotes,
  renderService,
  serviceStatus,
  type KubeStateExtras,
  type RenderInput,
} from '@pctl/kube';
import { defaultTokenSource, getCluster, GoogleApiError } from './google.js';
import { containerEndpoint, GcpOptionsSchema, parseOptions, regionOf, registryHostFor, type GcpOptions } from './options.js';
import { parseImage, RegistryApi, TOKEN_USER } from './registry.js';

export { GcpOptionsSchema, regionOf, registryHostFor, containerEndpoint, type GcpOptions } from './options.js';

/** What a gcp state entry records beyond the shared Kubernetes fields. */
export interface GcpStateExtras extends KubeStateExtras {
  gcp: { project: string; location: string; gkeCluster: string; context?: string; endpoint?: string; registryHost?: string };
  /** The Artifact Registry image the Deployment runs (images pctl built). */
  artifactImage?: string;
  /** Whether pctl pushed artifactImage (destroy deletes the tag only then). */
  artifactPushedByPctl?: boolean;
}

const extras = (e: StateEntry | undefined): Partial<GcpStateExtras> => (e ?? {}) as Partial<GcpStateExtras>;
const token = async () => (await defaultTokenSource()).token();

// ---- cluster ---------------------------------------------------------------------------

const contextName = (project: string, location: string, cluster: string) => `gke_${project}_${location}_${cluster}`;
type Where = Pick<GcpOptions, 'project' | 'zone' | 'cluster' | 'context' | 'endpoint'>;

async function clusterClient(where: Where, signal?: AbortSignal): Promise<KubeClient> {
  if (where.context) return connect({ context: where.context, hint: `get it with: gcloud container clusters get-credentials ${where.cluster} --location ${where.zone} --project ${where.project}` });
  const t = await token();
  const c = await getCluster(containerEndpoint(where), t, where.project, where.zone, where.cluster, signal);
  const name = contextName(where.project, where.zone, where.cluster);
  const { KubeConfig } = await loadKubeSdk();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name, server: /^https?:\/\//.test(c.endpoint) ? c.endpoint : `https://${c.endpoint}`, caData: c.masterAuth?.clusterCaCertificate, skipTLSVerify: false }],
    // The token lives only in this process's memory.
    users: [{ name, token: t }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return new KubeClient(kc, name, `check that the GKE cluster ${where.cluster} runs and the credentials may use it (roles/container.developer)`);
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
      const api = new RegistryApi(host, await token(), ctx.signal);
      if (await api.digest(name, tag)) {
        ctx.reporter.info(`${ref} is already in Artifact Registry, not pushing`, key, 'PushSkipped');
        return false;
      }
      await dockerLogin(ctx, host);
      ctx.reporter.info(`pushing ${ref}`, key, 'PushStarted');
      const tagged = await ctx.exec('docker', ['tag', '--', localRef, ref], { reject: false });
      if (tagged.exitCode !== 0) throw new PctlError({ code: 'DockerTagFailed', message: `tagging ${localRef} as ${ref}: ${tagged.stderr.split('\n')[0]}`, fault: 'environment', exitCode: 1 });
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

// A prebuilt image from another registry with credentials: the nodes pull it with a pull Secret.
function pullSecretFor(p: DeployParams, redact: boolean): RenderInput['pullSecret'] {
  const reg = p.target.service.registry;
  if (!reg || typeof reg !== 'object' || !reg.username || !reg.password) return undefined;
  const server = reg.url.replace(/^[a-z]+:\/\//, '').split('/')[0]!;
  return { server, username: reg.username, password: redact ? '<redacted>' : reg.password };
}

/** The image the cluster runs: built images (with no `registry` of their own) from Artifact Registry. */
function imageFor(p: DeployParams, o: GcpOptions): { ref: string; local?: string } {
  const { target } = p;
  const ref = target.image.ref;
  if (ref && !target.service.registry && (target.image.builtByPctl || target.service.image?.startsWith('pctl://')) && isLocalBuild(ref)) return { ref: artifactRef(o, ref), local: ref };
  return { ref };
}

function renderInput(ctx: ProviderContext, p: DeployParams, o: GcpOptions, image: string, redact = false): RenderInput {
  const svc = p.target.service;
  const images = p.target.imageRefs ? Object.fromEntries(Object.entries(p.target.imageRefs).map(([k, v]) => [k, isLocalBuild(v) ? artifactRef(o, v) : v])) : undefined;
  return {
    pullSecret: pullSecretFor(p, redact),
    stack: ctx.stack,
    service: p.target.name,
    config: svc,
    image,
    namespace: o.namespace,
    options: o,
    fingerprint: p.target.fingerprint,
    manifests: svc.manifests?.length ? loadManifests(svc.manifests, ctx.configDir) : undefined,
    images,
    secrets: ctx.secrets,
    redact,
    cloud: 'gcp',
  };
}

// ---- verbs ---------------------------------------------------------------------------------

async function deploy(p: DeployParams): Promise<StateEntry> {
  const { ctx, target } = p;
  const o = parseOptions(target.service.provider.options);
  const prev = extras(p.previous);
  const image = imageFor(p, o);
  let pushedNow = false;
  if (image.local && !ctx.flags.skipPush) pushedNow = await ensurePushed(ctx, o, image.local, target.key);
  // Images raw manifests take with pctl://name go there too.
  for (const ref of new Set(Object.values(target.imageRefs ?? {}))) {
    if (isLocalBuild(ref) && ref !== image.local && target.service.manifests?.length && !ctx.flags.skipPush) await ensurePushed(ctx, o, ref, target.key);
  }
  const client = await clusterClient(o, ctx.signal);
  const result = await deployService(client, renderInput(ctx, p, o, image.ref), {
    reporter: ctx.reporter,
    signal: ctx.signal,
    rolloutTimeoutMs: (o.rolloutTimeout ?? 300) * 1000,
    previous: prev.cluster === undefined || prev.cluster === client.clusterName ? prev : undefined,
  });
  if (p.previous && !p.previous.destroyed && prev.cluster && prev.cluster !== client.clusterName && prev.gcp) {
    ctx.reporter.info(`removing from the previous cluster ${prev.cluster}`, target.key, 'ClusterMoved');
    await destroyIn(ctx, prev.gcp, target.key, prev);
  }
  const samePrevious = prev.artifactImage === image.ref && !p.previous?.destroyed;
  const extra: Omit<GcpStateExtras, keyof KubeStateExtras> = {
    gcp: {
      project: o.project,
      location: o.zone,
      gkeCluster: o.cluster,
      ...(o.context ? { context: o.context } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.registryHost ? { registryHost: o.registryHost } : {}),
    },
    ...(image.local ? { artifactImage: image.ref, artifactPushedByPctl: pushedNow || (samePrevious && Boolean(prev.artifactPushedByPctl)) } : {}),
  };
  return {
    provider: 'gcp',
    ...(target.image.ref ? { image: target.image.ref } : {}),
    labels: target.labels,
    fingerprint: target.fingerprint,
    replica: target.service.scale?.replica ?? 1,
    hasPorts: Boolean(target.service.ports?.length),
    builtByPctl: target.image.builtByPctl,
    ...result,
    ...extra,
  };
}

type GcpWhere = GcpStateExtras['gcp'];

async function destroyIn(ctx: ProviderContext, where: GcpWhere, key: string, entry: Partial<GcpStateExtras>): Promise<void> {
  let client: KubeClient;
  try {
    client = await clusterClient({ project: where.project, zone: where.location, cluster: where.gkeCluster, context: where.context, endpoint: where.endpoint }, ctx.signal);
  } catch (e) {
    if (e instanceof GoogleApiError && e.status === 404) {
      ctx.reporter.info(`GKE cluster ${where.gkeCluster} is gone, and its objects with it`, key);
      return;
    }
    throw e;
  }
  await destroyService(client, { stack: ctx.stack, service: key.slice(ctx.stack.length + 1), entry, reporter: ctx.reporter, signal: ctx.signal });
}

function whereFor(ctx: ProviderContext, key: string, entry: Partial<GcpStateExtras>): GcpWhere {
  const raw = ctx.config.services[key.slice(ctx.stack.length + 1)]?.provider;
  if (raw?.name === 'gcp') {
    const o = parseOptions(raw.options);
    return { project: o.project, location: o.zone, gkeCluster: o.cluster, context: o.context, endpoint: o.endpoint, registryHost: o.registryHost };
  }
  if (entry.gcp) return entry.gcp;
  throw new PctlError({ code: 'StateIncomplete', message: `${key}: the state entry does not say which GKE cluster it is in`, fault: 'tool', exitCode: 1, hint: 'put the service back in the stack file with its gcp options, then destroy' });
}

async function destroy(p: DestroyParams): Promise<void> {
  const { ctx, key } = p;
  const entry = extras(p.entry);
  await destroyIn(ctx, whereFor(ctx, key, entry), key, entry);
  // The Artifact Registry tag goes only when pctl pushed it, and only with the service
  // whose build it is (others that take it with pctl:// leave it).
  if (entry.artifactImage && entry.artifactPushedByPctl) {
    const { host, name, tag } = parseImage(entry.artifactImage);
    if (name.endsWith(`/${key}`)) {
      const r = await new RegistryApi(host, await token(), ctx.signal).deleteTag(name, tag);
      if (r === 'deleted') ctx.reporter.info(`deleted ${entry.artifactImage} from Artifact Registry`, key, 'ImageDeleted');
      else if (r === 'unsupported') ctx.reporter.info(`the registry does not allow deletes: ${entry.artifactImage} stays`, key);
    }
    await ctx.exec('docker', ['rmi', '--', entry.artifactImage], { reject: false });
  }
  if (p.entry.builtByPctl && p.entry.image) {
    const r = await ctx.exec('docker', ['rmi', '--', p.entry.image], { reject: false });
    if (r.exitCode !== 0 && !/No such image|being used|conflict|must be forced/i.test(r.stderr)) ctx.reporter.warn(`could not remove the image ${p.entry.image}: ${r.stderr.split('\n')[0]}`, key);
  }
}

async function status(p: StatusParams): Promise<ServiceStatus> {
  const name = p.key.slice(p.ctx.stack.length + 1);
  const entry = extras(p.entry);
  const where = whereFor(p.ctx, p.key, entry);
  const ns = entry.namespace ?? (p.ctx.config.services[name]?.provider.options?.namespace as string | undefined) ?? p.ctx.stack;
  const client = await clusterClient({ project: where.project, zone: where.location, cluster: where.gkeCluster, context: where.context, endpoint: where.endpoint }, p.ctx.signal);
  return serviceStatus(client, p.ctx.stack, name, ns);
}

function discover({ ctx }: { ctx: ProviderContext }): Promise<FoundResource[]> {
  return discoverStack(Object.values(ctx.config.services), ctx.stack, 'gcp', parseOptions, (o) => o.context ?? contextName(o.project, o.zone, o.cluster), (o) => clusterClient(o, ctx.signal));
}

export default defineProvider({
  apiVersion: 1,
  name: 'gcp',
  validateOptions: (raw) => optionIssues(GcpOptionsSchema, raw, 'gcp'),
  // Only asked for services with a `registry` of their own: the core pushes there, as told.
  needsPush: () => true,
  async render(p) {
    const o = parseOptions(p.target.service.provider.options);
    return renderService(renderInput(p.ctx, p, o, imageFor(p, o).ref, true)) as unknown as Record<string, unknown>[];
  },
  async plan(p) {
    const o = parseOptions(p.target.service.provider.options);
    const image = imageFor(p, o);
    return [`GKE cluster ${o.cluster} (${o.project}, ${o.zone}), namespace ${o.namespace}`, ...(image.local ? [`image ${image.ref} (pushed to Artifact Registry unless it is there)`] : []), ...renderNotes(p.target.service)];
  },
  outdated: kubeEntryOutdated,
  deploy,
  destroy,
  status,
  discover,
});
