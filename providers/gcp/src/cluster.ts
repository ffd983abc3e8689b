// How the gcp provider reaches a GKE cluster: a context of the user's kubeconfig, or the
// cluster's endpoint and CA read from the GKE API into an in-memory kubeconfig.
import { PctlError, type ProviderContext } from '@pctl/core';
import { connect, tokenClient, type KubeClient, type KubeEntry } from '@pctl/kube';
import { getCluster, GoogleApiError } from './google.js';
import { containerEndpoint, type GcpOptions } from './options.js';
import type { GcpWhere } from './state.js';
import { accessToken, clusterTokens } from './token.js';

/** The context name gcloud gives a GKE cluster. */
export const contextName = (project: string, location: string, cluster: string) =>
  `gke_${project}_${location}_${cluster}`;

type Where = Pick<GcpOptions, 'project' | 'zone' | 'cluster' | 'context' | 'endpoint'>;

/** A client of the cluster the options name. */
export async function clusterClient(where: Where, signal?: AbortSignal): Promise<KubeClient> {
  if (where.context)
    return connect({
      context: where.context,
      hint: `get it with: gcloud container clusters get-credentials ${where.cluster} --location ${where.zone} --project ${where.project}`,
    });
  const c = await getCluster(
    containerEndpoint(where),
    await accessToken(),
    where.project,
    where.zone,
    where.cluster,
    signal,
  );
  return tokenClient({
    name: contextName(where.project, where.zone, where.cluster),
    server: c.endpoint,
    caData: c.masterAuth?.clusterCaCertificate,
    tokens: clusterTokens,
    hint: `check that the GKE cluster ${where.cluster} runs and the credentials may use it (roles/container.developer)`,
  });
}

const whereOf = (o: GcpOptions): GcpWhere => ({
  project: o.project,
  location: o.zone,
  gkeCluster: o.cluster,
  context: o.context,
  endpoint: o.endpoint,
  registryHost: o.registryHost,
});

// An entry the original pctl wrote names the cluster by name, with `project` and `zone` beside it.
function originalWhere(entry: KubeEntry): GcpWhere | undefined {
  const { project, zone, cluster } = entry as { project?: unknown; zone?: unknown; cluster?: unknown };
  return typeof project === 'string' && typeof zone === 'string' && typeof cluster === 'string'
    ? { project, location: zone, gkeCluster: cluster }
    : undefined;
}

/** The GKE cluster of a state entry (or the stack file's); undefined when it was deleted, taking its objects with it. */
export async function connectRecorded(
  ctx: ProviderContext,
  key: string,
  entry: KubeEntry,
  o: GcpOptions | undefined,
): Promise<KubeClient | undefined> {
  const where = o ? whereOf(o) : ((entry as { gcp?: GcpWhere }).gcp ?? originalWhere(entry));
  if (!where)
    throw new PctlError({
      code: 'StateIncomplete',
      message: `${key}: the state entry does not say which GKE cluster it is in`,
      fault: 'tool',
      exitCode: 1,
      hint: 'put the service back in the stack file with its gcp options, then destroy',
    });
  try {
    return await clusterClient(
      {
        project: where.project,
        zone: where.location,
        cluster: where.gkeCluster,
        context: where.context,
        endpoint: where.endpoint,
      },
      ctx.signal,
    );
  } catch (e) {
    if (e instanceof GoogleApiError && e.status === 404) {
      ctx.reporter.info(`GKE cluster ${where.gkeCluster} is gone, and its objects with it`, key);
      return undefined;
    }
    throw e;
  }
}
