// The provider contract, version 1. A provider makes services exist or gone on its
// platform; the core owns config, plans, fingerprints, images, state and locking.
import type { StackConfig, ServiceConfig } from './config/schema.js';
import type { Exec } from './exec.js';
import type { Reporter } from './reporter.js';
import type { StateEntry } from './state/types.js';

export const PROVIDER_API_VERSION = 1 as const;

/** What the core hands every verb. */
export interface ProviderContext {
  /** Stack name (after `--name`). */
  stack: string;
  config: StackConfig;
  /** Absolute path of the stack file and its folder. */
  configPath: string;
  configDir: string;
  /** Working directory (where the state file lives). */
  cwd: string;
  reporter: Reporter;
  exec: Exec;
  signal: AbortSignal;
  verbose: boolean;
  flags: RunFlags;
  /** Resolved secret values: never print or store them. */
  secrets: readonly string[];
}

export interface RunFlags {
  forceBuild: boolean;
  buildSequential: boolean;
  buildConcurrency: number;
  skipPush: boolean;
}

/** A built (or prebuilt) image the service runs. */
export interface ServiceImage {
  /** Full reference to run, e.g. `pctl-hello-web:3f2a9c1d0b7e` or `nginx:1.27`. */
  ref: string;
  /** True when pctl built it from a Dockerfile. */
  builtByPctl: boolean;
  /** Content hash of the build inputs (built images only). */
  buildHash?: string;
}

export interface ServiceTarget {
  /** Service name as in the stack file. */
  name: string;
  /** `<stack>-<service>`: the state key and resource name prefix. */
  key: string;
  service: ServiceConfig;
  labels: Record<string, string>;
  fingerprint: string;
  image: ServiceImage;
  /** Image refs of every service of this run by name, for `pctl://name` in raw manifests. */
  imageRefs?: Record<string, string>;
}

export interface DeployParams {
  ctx: ProviderContext;
  target: ServiceTarget;
  /** The state entry of the last deploy, if any (may be `destroyed: true`). */
  previous?: StateEntry;
}

export interface DestroyParams {
  ctx: ProviderContext;
  key: string;
  entry: StateEntry;
}

export interface StatusParams {
  ctx: ProviderContext;
  key: string;
  entry?: StateEntry;
  target?: ServiceTarget;
}

/** Files of one `COPY src /dest` to bring into running containers. */
export interface SyncBatch {
  /** Local folder the files are relative to. */
  sourceDir: string;
  /** Absolute folder in the container. */
  dest: string;
  /** Files (relative to sourceDir and dest) to copy. */
  files: string[];
  /** Absolute paths in the container to remove. */
  deleted: string[];
}

export interface ServiceStatus {
  /** e.g. `running`, `missing`, `degraded`. */
  state: 'running' | 'degraded' | 'missing' | 'stopped' | 'unknown';
  detail?: string;
  /** e.g. container names or pod names with their states. */
  resources?: { name: string; state: string }[];
}

export interface PlanNote {
  key: string;
  notes: string[];
}

/** A labelled resource found on the platform, for orphan detection and state recovery. */
export interface FoundResource {
  key: string;
  kind: string;
  name: string;
}

export interface ProviderV1 {
  apiVersion: typeof PROVIDER_API_VERSION;
  name: string;
  /** Validates `provider.options` of one service; return error messages keyed by option path. */
  validateOptions?(options: Record<string, unknown>): { path: (string | number)[]; message: string }[];
  /**
   * Whether images of a service with a `registry` must be pushed for this target
   * (default true; a local engine or kind cluster returns false; aws pushes to an ECR
   * `registry` itself, logged in through the SDK).
   */
  needsPush?(options: Record<string, unknown>, service?: ServiceConfig): boolean;
  /** Copies changed files into the running service (`pctl sync`); returns where they went. */
  sync?(params: { ctx: ProviderContext; key: string; entry?: StateEntry; batches: SyncBatch[] }): Promise<{ containers: string[] }>;
  /** What deploy would apply, touching nothing (`pctl render`): Kubernetes objects as JSON. */
  render?(params: DeployParams): Promise<Record<string, unknown>[]>;
  /** Optional extra notes for `pctl plan`. */
  plan?(params: DeployParams): Promise<string[]>;
  /** Make the service exist as described; return the state entry to record. */
  deploy(params: DeployParams): Promise<StateEntry>;
  /** Make everything of one state entry gone, and wait until it is. */
  destroy(params: DestroyParams): Promise<void>;
  status?(params: StatusParams): Promise<ServiceStatus>;
  /** Every labelled resource of the stack that exists now (recovery, leak checks). */
  discover?(params: { ctx: ProviderContext }): Promise<FoundResource[]>;
}

export type Provider = ProviderV1;

// Typed helper for provider authors: checks the object against the contract at compile time.
export function defineProvider<P extends ProviderV1>(provider: P): P {
  return provider;
}

/** The bare-function style of the original pctl: reads process.argv itself. */
export type LegacyProviderFunction = (parsed: StackConfig) => Promise<void> | void;
