// The gcp provider: Google Kubernetes Engine, with the images pctl built pushed to Artifact
// Registry. It stands on the shared Kubernetes provider skeleton and adds only how it reaches
// the cluster (cluster.ts: the GKE API or a kubeconfig context), its registry (artifacts.ts)
// and Filestore volumes (filestore.ts). Credentials are Application Default Credentials
// (google-auth-library, loaded only when a gcp service is deployed, destroyed or inspected).
import { defineKubeProvider } from '@pctl/kube';
import { artifactRef, ensurePushed, imageFor, isLocalBuild, pullAuth, removeArtifact } from './artifacts.js';
import { clusterClient, connectRecorded, contextName } from './cluster.js';
import { completeFilestore, placeFilestore } from './filestore.js';
import { GcpOptionsSchema, type GcpOptions } from './options.js';
import { gcpStateExtras } from './state.js';

export { GcpOptionsSchema, regionOf, registryHostFor, containerEndpoint, type GcpOptions } from './options.js';
export { artifactRef } from './artifacts.js';
export type { GcpStateExtras } from './state.js';

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
    pullAuth: (_ctx, o, host) => pullAuth(o, host),
    remove: removeArtifact,
  },
  stateExtras: gcpStateExtras,
  planNotes: (_p, o, image) => [
    `GKE cluster ${o.cluster} (${o.project}, ${o.zone}), namespace ${o.namespace}`,
    ...(image.local ? [`image ${image.ref} (pushed to Artifact Registry unless it is there)`] : []),
  ],
});
