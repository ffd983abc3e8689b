// What a Kubernetes provider on the skeleton says about itself: its options, how it reaches
// its cluster (a KubeClient), and its registry (where a local build goes, how it is removed).
import type { z } from 'zod';
import type { DeployParams, ProviderContext, RegistryCredentials, ServiceConfig, StateEntry } from '@pctl/core';
import type { KubeClient } from '../client.js';
import type { KubeCloud } from '../storage.js';
import type { KubeStateExtras } from '../types.js';
import type { ClusterImage, KubeProviderOptions } from './renderInput.js';

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
