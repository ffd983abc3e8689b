// The provider contract, version 1. A provider makes services exist or gone on its
// platform; pctl owns config, plans, fingerprints, images, state and locking.
// The config types are parameters so that pctl's own providers see its exact schema types;
// an author's provider uses the plain defaults.
import type { ServiceConfig, StackConfig } from './config.js';
import type { Exec } from './exec.js';
import type { Reporter } from './reporter.js';
import type { StateEntry } from './state.js';

export const PROVIDER_API_VERSION = 1 as const;

/** What pctl hands every verb. */
export interface ProviderContext<C = StackConfig> {
  /** Stack name (after `--name`). */
  stack: string;
  config: C;
  /** Absolute path of the stack file and its folder. */
  configPath: string;
  configDir: string;
  /** Working directory (where the state file lives). */
  cwd: string;
  reporter: Reporter;
  exec: Exec;
  /** Set on Ctrl-C, SIGTERM or a step timeout: stop, leaving what discover can find. */
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

export interface ServiceTarget<S = ServiceConfig> {
  /** Service name as in the stack file. */
  name: string;
  /** `<stack>-<service>`: the state key. */
  key: string;
  service: S;
  /** `managed-by=pctl`, `pctl-stack`, `pctl-service`: put them on everything you create. */
  labels: Record<string, string>;
  fingerprint: string;
  image: ServiceImage;
  /** Image refs of every service of this run by name, for `pctl://name` in raw manifests. */
  imageRefs?: Record<string, string>;
}

export interface DeployParams<S = ServiceConfig, C = StackConfig> {
  ctx: ProviderContext<C>;
  target: ServiceTarget<S>;
  /** The state entry of the last deploy, if any (may be `destroyed: true` or `pending: true`). */
  previous?: StateEntry;
}

export interface AdoptParams<S = ServiceConfig, C = StackConfig> extends DeployParams<S, C> {
  /** The entry another tool (the original pctl) wrote for this service. */
  previous: StateEntry;
  /**
   * `plan`: touch nothing (the target's image may not be built yet); `deploy`: the image is
   * built, and changes that restart nothing (e.g. joining the stack's network) may be made.
   */
  mode: 'plan' | 'deploy';
}

/** What `adopt` found: keep what runs (recording `entry`), or why it must be deployed. */
export type AdoptResult = { adopt: true; entry: StateEntry; note?: string } | { adopt: false; reason: string };

export interface DestroyParams<C = StackConfig> {
  ctx: ProviderContext<C>;
  key: string;
  entry: StateEntry;
}

export interface StatusParams<S = ServiceConfig, C = StackConfig> {
  ctx: ProviderContext<C>;
  key: string;
  entry?: StateEntry;
  target?: ServiceTarget<S>;
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
  /** The state key (`pctl-service` label) it belongs to. */
  key: string;
  kind: string;
  name: string;
}

export interface OptionIssue {
  path: (string | number)[];
  message: string;
}

export interface ProviderV1<S = ServiceConfig, C = StackConfig> {
  apiVersion: typeof PROVIDER_API_VERSION;
  name: string;
  /** Validates `provider.options` of one service; return error messages keyed by option path. */
  validateOptions?(options: Record<string, unknown>): OptionIssue[];
  /**
   * Checks what else of one service this provider cannot deploy (e.g. a volume it cannot
   * mount), so `validate` and `plan` refuse it before anything runs; paths are relative to
   * the service (`['volumes', 0]`).
   */
  validateService?(service: S): OptionIssue[];
  /**
   * Whether the core pushes the image of a service with a `registry` (default true; kind
   * loads images into its node, aws pushes to an ECR `registry` itself, logged in with the SDK).
   */
  needsPush?(options: Record<string, unknown>, service?: S): boolean;
  /** Copies changed files into the running service (`pctl sync`); returns where they went. */
  sync?(params: { ctx: ProviderContext<C>; key: string; entry?: StateEntry; batches: SyncBatch[] }): Promise<{ containers: string[] }>;
  /** What deploy would apply, touching nothing (`pctl render`): Kubernetes objects as JSON. */
  render?(params: DeployParams<S, C>): Promise<Record<string, unknown>[]>;
  /** Optional extra notes for `pctl plan`. */
  plan?(params: DeployParams<S, C>): Promise<string[]>;
  /**
   * Why a service whose fingerprint is unchanged must be deployed again anyway (e.g. its
   * objects carry names an earlier pctl version gave them); undefined when it need not.
   */
  outdated?(entry: StateEntry): string | undefined;
  /**
   * Whether what an earlier tool left running for this service (entry `previous`, whose
   * definition the core has found unchanged) is provably what `target` asks for, so deploy
   * keeps it instead of recreating it. Without this verb such services are deployed again.
   */
  adopt?(params: AdoptParams<S, C>): Promise<AdoptResult>;
  /** Make the service exist as described; return the state entry to record. */
  deploy(params: DeployParams<S, C>): Promise<StateEntry>;
  /** Make everything of one state entry gone, and wait until it is. */
  destroy(params: DestroyParams<C>): Promise<void>;
  status?(params: StatusParams<S, C>): Promise<ServiceStatus>;
  /** Every labelled resource of the stack that exists now (recovery, leak checks). */
  discover?(params: { ctx: ProviderContext<C> }): Promise<FoundResource[]>;
}

export type Provider<S = ServiceConfig, C = StackConfig> = ProviderV1<S, C>;

// Checks a provider object against the contract at compile time; returns it unchanged.
export function defineProvider<P extends ProviderV1<any, any>>(provider: P): P {
  return provider;
}

/** The bare-function style of the original pctl: reads process.argv itself. */
export type LegacyProviderFunction<C = StackConfig> = (parsed: C) => Promise<void> | void;
