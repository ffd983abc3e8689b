// The aws provider: EKS, with the images pctl built pushed to ECR. It stands on the shared
// Kubernetes provider skeleton and adds only how it reaches the cluster (DescribeCluster
// and EKS tokens that renew) and its registry (ECR). Loading this file loads nothing of
// the AWS SDK: validate, plan and render need none; cloud.js loads it on first use.
import { serviceOfKey } from '@pctl/core';
import { defineKubeProvider } from '@pctl/kube';
import { hasEcrRegistry, imageFor, createdRepositories, ecrRef, isLocalBuild } from './images.js';
import { AwsOptionsSchema, regionOption, type AwsOptions } from './options.js';
import { awsStateExtras } from './state.js';

export { AwsOptionsSchema, parseOptions, type AwsOptions } from './options.js';
export type { AwsStateExtras } from './state.js';

const cloud = () => import('./cloud.js');

export default defineKubeProvider<AwsOptions>({
  name: 'aws',
  cloud: 'aws',
  schema: AwsOptionsSchema,
  // The core pushes to a service's own registry, except to ECR: this provider logs in there with the SDK.
  needsPush: (service) => !hasEcrRegistry(service),
  connect: async (ctx, o) => (await import('./eks.js')).eksClient(ctx, o),
  // The original pctl records the EKS cluster's name; pctl records its ARN.
  sameCluster: (recorded, client, o) => recorded === o.cluster && client.clusterName.endsWith(`:cluster/${o.cluster}`),
  clusterId: (o) => o.context ?? `${regionOption(o) ?? ''}/${o.cluster}`,
  connectRecorded: async (ctx, key, entry, o) => (await cloud()).connectRecorded(ctx, key, entry, o),
  registry: {
    imageFor,
    clusterRef: (o, ref) => (isLocalBuild(ref) ? ecrRef(o, ref) : ref),
    locate: async (ctx, o, image) => (await cloud()).locate(ctx, o, image),
    deliver: async (ctx, o, image, key) => (await cloud()).deliver(ctx, o, image, key),
    pullAuth: async (ctx, o, host) => (await cloud()).pullAuth(ctx, o, host),
    remove: async (ctx, key, entry) => {
      const svc = ctx.config.services[serviceOfKey(ctx.stack, key) ?? ''];
      const o = svc?.provider.name === 'aws' ? AwsOptionsSchema.safeParse(svc.provider.options ?? {}).data : undefined;
      await (await cloud()).removeImages(ctx, key, entry, o);
    },
  },
  stateExtras: (p, o, image, pushedNow, prev) =>
    awsStateExtras(p, o, image, pushedNow, prev, (uri) => createdRepositories.has(uri)),
  planNotes: (_p, o, image) => [
    `EKS cluster ${o.cluster}${regionOption(o) ? ` (${regionOption(o)})` : ''}, namespace ${o.namespace}`,
    ...(image.local ? [`image ${image.ref} (pushed to ECR unless it is there)`] : []),
  ],
});
