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

/** What the inner-loop verbs (logs, exec, portForward) name: one service as deployed. */
export interface ServiceRef<C = StackConfig> {
  ctx: ProviderContext<C>;
  /** The state key (`<stack>-<service>`). */
  key: string;
  /** The state entry of the last deploy (where it runs: host, namespace, ...). */
  entry?: StateEntry;
}

/** One line a replica wrote, without its line break. */
export interface LogLine {
  /** The replica's short name, stable across its restarts: `1`, `2` (docker), a pod name (Kubernetes). */
  replica: string;
  stream: 'stdout' | 'stderr';
  /** When the platform received it, RFC 3339 with nanoseconds (UTC), if the platform says. */
  time?: string;
  line: string;
}

/** A replica appearing or going away while logs follow. */
export interface ReplicaEvent {
  replica: string;
  event: 'added' | 'gone';
  /** Why it went (`exited with code 137`, `removed`), or what it is (`container web-1 (3f2a9c1d0b7e)`). */
  detail?: string;
}

export interface LogsParams<C = StackConfig> extends ServiceRef<C> {
  /** Keep streaming (and pick up replicas that appear later) until `signal` aborts. */
  follow: boolean;
  /** Only lines from this moment on. */
  since?: Date;
  /** Only the last N lines of each replica (before following). */
  tail?: number;
  /** The lines of each replica's previous run (the one before its last restart), not the current. */
  previous: boolean;
  /** Each line, in the order one replica wrote it (replicas interleave). */
  onLine(line: LogLine): void;
  /** Replicas that appear or go away while following (and each one found at the start). */
  onReplica(event: ReplicaEvent): void;
  /** Aborted when the user stops following (Ctrl-C): resolve then, leaving nothing running. */
  signal: AbortSignal;
}

/** The terminal of an exec with `tty`: its size now and its changes. */
export interface ExecTerminal {
  rows: number;
  columns: number;
  /** Registers the listener of size changes; returns its removal. */
  onResize(listener: (size: { rows: number; columns: number }) => void): () => void;
}

export interface ExecParams<C = StackConfig> extends ServiceRef<C> {
  /** The command as an argument array (never a shell string). */
  command: string[];
  /** 1-based replica number; default: the first ready (running) replica. */
  replica?: number;
  /** Bytes for the command's stdin (`-i`); none: stdin is closed. */
  stdin?: NodeJS.ReadableStream;
  /** Receives the command's stdout byte for byte (with a TTY: everything it writes). */
  stdout: NodeJS.WritableStream;
  /** Receives its stderr byte for byte (unused with a TTY, which merges them). */
  stderr: NodeJS.WritableStream;
  /** Allocate a TTY of this size and forward its changes (`-t`). */
  tty?: ExecTerminal;
  signal: AbortSignal;
}

/** `pctl run`: a one-off from the service as the stack file describes it now (its image is on the platform). */
export interface RunParams<S = ServiceConfig, C = StackConfig> {
  ctx: ProviderContext<C>;
  target: ServiceTarget<S>;
  /** The command as an argument array (never a shell string); none: the service's own command. */
  command?: string[];
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  tty?: ExecTerminal;
  signal: AbortSignal;
}

/** How a one-off ended: its exit code, passed through by `pctl run`. */
export interface RunOutcome {
  /** What ran (a container or pod name). */
  name: string;
  exitCode: number;
}

/** Where an exec ran and how it ended: its exit code, passed through by `pctl exec`. */
export interface ExecOutcome {
  replica: string;
  exitCode: number;
}

export interface PortForwardParams<C = StackConfig> extends ServiceRef<C> {
  /** 1-based replica number; default: the first running replica (found again when it goes). */
  replica?: number;
}

/** Opens connections to one service's replica: pctl listens locally and dials one per client. */
export interface PortDialer {
  /** The replica connections reach now. */
  replica(): string;
  /** A byte stream to `port` of the replica (found again if the last one is gone). */
  dial(port: number): Promise<import('node:stream').Duplex>;
  /** Ends what the dialer holds (tunnels); connections already open end too. */
  close(): Promise<void>;
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
  sync?(params: {
    ctx: ProviderContext<C>;
    key: string;
    entry?: StateEntry;
    batches: SyncBatch[];
    /**
     * Every file the COPY pairs cover now, with the removals seen so far: what a container
     * that has had none of the batches yet (a pod that started later, a restart) gets first,
     * instead of `batches`. The engine also calls sync with no batches to let such a
     * container catch up while no file changes.
     */
    all?: SyncBatch[];
  }): Promise<{
    containers: string[];
    /** Those of `containers` that got `all` (a new container), not `batches`. */
    full?: string[];
  }>;
  /**
   * Whether `logs` tells stdout from stderr (`separate`, the default) or the platform merges
   * them and every line comes as `stdout` (`merged`: Kubernetes' pods/log).
   */
  logStreams?: 'separate' | 'merged';
  /** Streams the log lines of every replica of a service (`pctl logs`). */
  logs?(params: LogsParams<C>): Promise<void>;
  /** Runs a command in one running replica, stdin/stdout/stderr as pipes or a TTY (`pctl exec`). */
  exec?(params: ExecParams<C>): Promise<ExecOutcome>;
  /** Runs a one-off container/pod from the service's image, env and volumes, attached, removed after (`pctl run`). */
  run?(params: RunParams<S, C>): Promise<RunOutcome>;
  /** A dialer of the ports of one running replica (`pctl port-forward`). */
  portForward?(params: PortForwardParams<C>): Promise<PortDialer>;
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
  /**
   * Awaited once a deploy or rollback has applied what it could (also after a failure),
   * before the run cleans up and ends: work a deploy left going on its own, such as the old
   * containers that drain after a start-first handover (docker). A failure is a warning.
   */
  settle?(params: { ctx: ProviderContext<C> }): Promise<void>;
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
