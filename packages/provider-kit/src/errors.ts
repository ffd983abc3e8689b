// One error class for everything pctl reports to a user: a stable code, who is at fault,
// a one-line message, an optional fix hint and verbose-only detail (commands, stderr).
export type Fault = 'user' | 'environment' | 'tool';

// Every error code pctl reports, each with the one sentence docs/using/errors.md shows.
// Adding a code is one line here (then `npm run schemas` rewrites docs/using/errors.md and
// schemas/pctl-output.schema.json; a test fails while they are stale). Provider authors
// use these codes too; a thrown error with any other code is reported as ProviderFailed.
export const ERROR_CODES = {
  BadUsage: 'a flag or argument is wrong (unknown flag, bad value, missing argument)',
  InvalidConfig: 'the stack file (or a provider option in it) is invalid; every issue is listed with file:line',
  ConfigNotFound: 'the stack file does not exist or cannot be read',
  UnknownService: 'a service named on the command line is not in the stack file',
  UnknownEnvironment:
    'the environment `--env` or PCTL_ENV names is not under `environments:` in the stack file (the closest name is suggested)',
  IncludeCycle: 'stack files include each other in a cycle (`include:`); the cycle is named',
  UnknownProvider:
    'a service names a provider that is neither built in, nor under `providers:`, nor handled by a plugin',
  UnknownImageReference: 'a `pctl://<service>` reference names no service with an image',
  DependencyCycle: 'services depend on each other in a cycle',
  ManifestMissing: 'a file listed under `manifests:` cannot be read',
  PluginFailed: 'a config plugin threw',
  ProviderLoadFailed: 'a provider module cannot be imported',
  ProviderInvalid: 'a provider module exports no usable provider',
  ProviderApiVersion: 'a provider module speaks another contract version',
  LegacyProvider: 'a bare-function provider was asked to act on one service',
  ProviderContract: 'a provider returned something the contract does not allow (e.g. garbage from deploy)',
  ModuleFailed: 'a provider, plugin or resolver module threw (its module and step are named)',
  StepTimeout: 'a provider, plugin or resolver step did not finish within its time limit',
  StepNeverSettled: 'a provider, plugin or resolver step never settled before pctl had nothing left to wait for',
  ModuleExited:
    'a provider, plugin or resolver called process.exit: the run fails (exit 1) naming the module, lock released',
  KeyCollision: 'two stacks or services map to one resource name',
  StateCorrupt: 'the state file is not valid JSON (left as it is)',
  StateInvalid: 'the state file is not a pctl state file (left as it is)',
  StateUnreadable: 'the state file cannot be read (permissions, not a regular file, too large)',
  StateReadOnly: 'the state file is read-only: pctl refuses to replace it',
  StateTooLarge: 'the state would be larger than a state file can be (64 MiB): it was not written',
  StateIncomplete: 'the state file records pending entries recovery could not settle',
  LockHeld: 'another run holds the stack lock',
  LockTimeout: 'gave up waiting for the stack lock (--lock-timeout)',
  LockInvalid: 'the lock file is not a lock pctl wrote (a folder, a FIFO, garbage)',
  NotLocked: '`pctl state unlock` found no lock to remove',
  StateConflict: 'the state changed under a run (a write without the lock won the race): nothing was written over it',
  StateTooNew: 'the state was written by a newer pctl (a newer state format): it was left as it is',
  StateUrlInvalid:
    '`--state` / PCTL_STATE is not a state URL pctl knows (s3://bucket/key, gs://bucket/object, kubernetes://namespace or a file path)',
  StateBucketMissing: 'the S3 or Cloud Storage bucket named for the state does not exist',
  StateAccessDenied: 'the store refused access to the state or its lock (a permission is missing)',
  StateEndpointUnreachable: "the state store's endpoint does not answer",
  StateMigrateFailed: '`pctl state migrate` could not verify the copy: the source was kept',
  ConfirmationNeeded: 'a command needs confirmation (-y) and there is no terminal to ask',
  Interrupted: 'the run was interrupted (Ctrl-C, SIGTERM); the state file records what was done',
  CommandFailed: 'an external command failed',
  CommandNotFound: 'an external command is not installed',
  CommandTimeout: 'an external command did not finish in time',
  BuildFailed: 'an image build failed',
  BuildInputMissing: 'a file a Dockerfile copies does not exist',
  BuildxMissing: 'the build needs docker buildx, which is not installed',
  BuildSecretMissing:
    "a Dockerfile mounts a build secret (RUN --mount=type=secret,id=NAME) that the service's build.secrets does not define",
  BuildSshMissing:
    "a Dockerfile mounts an ssh agent (RUN --mount=type=ssh) that the service's build.ssh does not forward, or the agent's socket cannot be reached",
  BuildCacheUnsupported: "build.cacheTo asks for a cache export the engine's build API cannot make (mode=max)",
  BuildInputUnreadable: 'a file of a build context cannot be read (permissions)',
  BuildInputNotAFile: 'a Dockerfile, .dockerignore or build input is a FIFO, device or folder where a file belongs',
  DockerignoreInvalid: 'a .dockerignore line is not a valid pattern',
  NotBuilt: 'an image pctl should have built is missing',
  ImageMissing: 'an image a service runs does not exist',
  ReleaseNotFound:
    'a release `pctl rollback` was asked for is not in the state (never made, or no longer kept: see `pctl history`)',
  ReleaseImageGone:
    'the image of the release `pctl rollback` was asked for is gone from the engine and the registry; nothing was changed',
  ReleaseSecretChanged:
    'a secret the release used no longer resolves to the same value, so the release cannot be restored as it was',
  PushFailed: 'pushing an image failed',
  ImagePullFailed:
    'pulling an image a service runs failed (no such image, or the registry refused or cannot be reached)',
  RegistryAuthFailed: 'the registry refused the credentials',
  RegistryLoginFailed: 'logging in to the registry failed',
  RegistryUnreachable: 'the registry cannot be reached',
  DockerUnavailable: 'the Docker engine does not answer',
  DockerNotFound: 'the docker CLI is not installed',
  DockerEndpointInvalid: 'DOCKER_HOST, DOCKER_CONTEXT or the docker context store names no engine pctl can use',
  DockerApiError: 'the Docker engine refused a request (its message is kept)',
  DockerTagFailed: 'tagging an image failed',
  ContainerFailed: 'a container exited or never became healthy',
  ContainerTimeout: 'a container did not become ready in time',
  JobFailed:
    'a `kind: job` service exited with a code other than 0 (its last log lines are shown); its dependents were not deployed',
  JobTimeout: 'a `kind: job` service ran longer than its `timeout` (default 10m): it was stopped and the deploy failed',
  PortInUse: 'a host port a service publishes is taken',
  EnvUnsupported: 'an environment value the platform cannot pass as it is written',
  SshFailed: 'the ssh connection to a remote Docker host failed',
  KindNotFound: 'the kind CLI is not installed',
  KubeconfigInvalid: 'the kubeconfig cannot be read',
  KubeContextMissing: 'the kubeconfig has no such context',
  KubeUnreachable: 'the Kubernetes API server cannot be reached',
  KubeNotFound: 'a Kubernetes object or API does not exist',
  KubeApiError: 'the Kubernetes API server refused a request',
  KubeConflict: 'a Kubernetes object changed under pctl, or another owner holds it',
  KubeForbidden: 'the Kubernetes credentials may not do this',
  VolumeNotOwned:
    "a Docker volume of the name pctl gives a service exists without that service's pctl labels (pctl neither mounts nor removes it)",
  ObjectOwnedByOtherStack: "a Kubernetes object of that name carries another stack's label",
  ObjectNotOwned:
    "a Kubernetes object of that name exists without pctl's labels of the service: pctl does not delete it",
  ObjectOwnedByOtherService: 'a Kubernetes object of that name belongs to another service of the stack',
  NamespaceTerminating: 'the namespace is being deleted',
  RolloutFailed: 'a Kubernetes rollout did not complete',
  DeleteTimeout: 'objects were not gone in time',
  DestroyIncomplete: 'some resources could not be removed',
  GcpCredentials: 'Google Cloud credentials are missing or invalid',
  GcpUnreachable: 'the Google Cloud API cannot be reached',
  GcpClusterNotReady: 'the GKE cluster is not running',
  GcpNotFound: 'a Google Cloud resource does not exist',
  GcpForbidden: 'the Google Cloud credentials may not do this',
  GcpApiError: 'a Google Cloud API refused a request',
  RegistryForbidden: 'the registry credentials may not do this',
  RegistryApiError: 'the registry API refused a request',
  NotRunning: 'the service is not running',
  VerbUnsupported: "the service's provider cannot do what the command asks (logs, exec, port-forward, sync)",
  ReplicaNotFound: 'no replica of the service has the number given with --replica',
  LocalPortInUse: 'a local port `pctl port-forward` should listen on is taken',
  LogsFailed: 'reading the logs of a replica failed (the engine or API server went away)',
  NothingToRender: 'no service of the stack deploys to Kubernetes',
  NothingToSync: 'no service has a folder to sync',
  SyncUnsupported: 'the service provider cannot sync files',
  SyncFailed: 'copying files into a container failed',
  WatchFailed: 'watching the build context failed',
  DeployFailed: 'a provider could not make a service exist on its platform',
  DestroyFailed: 'a provider could not remove a service from its platform',
  ProviderFailed: 'a provider threw an error with a code of its own (its message is kept)',
  AwsCredentialsMissing:
    'no AWS credentials were found (environment, profile, SSO, container or instance role, or options.credentials)',
  AwsCredentialsExpired: 'the AWS credentials (or session token) have expired',
  AwsCredentialsInvalid:
    'AWS refused the credentials (unknown access key, wrong secret, or a signature it does not accept)',
  AwsRegionMissing: 'no AWS region is set (options.region, options.credentials.region or AWS_REGION)',
  AwsAccessDenied: 'the AWS principal lacks a permission the call needs (docs/using/aws.md has the policy)',
  AwsThrottled: 'AWS throttled the calls even after retries',
  AwsNotFound: 'an AWS resource (EKS cluster, ECR repository) does not exist',
  AwsUnreachable: 'an AWS endpoint could not be reached',
  AwsApiError: 'an AWS call failed for another reason (its error name and message are kept)',
  InternalError: 'a bug in pctl or a provider: an unexpected exception (run with -v for the stack)',
} as const satisfies Record<string, string>;

/** The closed set of error codes (see docs/using/errors.md). */
export type ErrorCode = keyof typeof ERROR_CODES;

// True for a string that is one of pctl's error codes.
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

export interface PctlErrorOptions {
  code: ErrorCode;
  message: string;
  fault?: Fault;
  hint?: string;
  detail?: string;
  cause?: unknown;
  /** Process exit code: 2 for bad usage or invalid config, 1 otherwise. */
  exitCode?: number;
  /**
   * A deploy that failed but left the service exactly as it was (the old version serves on,
   * nothing half-replaced): pctl keeps the service's previous state entry rather than marking
   * its deploy unfinished, so the next deploy skips it if its config is that version again.
   */
  unchanged?: boolean;
}

/** Characters of a message kept: a provider's 20 MB message must not flood the terminal and the JSON document. */
export const MAX_MESSAGE_CHARS = 8192;

// The text cut to `max` characters with a note saying how much was left out.
// A text cut before (then wrapped in a longer message) keeps one note with the whole count.
export function cutLong(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const before = /… \((\d+) more characters cut\)$/.exec(text);
  const body = before ? text.slice(0, before.index) : text;
  if (body.length <= max) return text;
  return `${body.slice(0, max)}… (${body.length - max + Number(before?.[1] ?? 0)} more characters cut)`;
}

export class PctlError extends Error {
  readonly code: ErrorCode;
  readonly fault: Fault;
  readonly hint?: string;
  readonly detail?: string;
  readonly exitCode: number;
  readonly unchanged: boolean;

  constructor(opts: PctlErrorOptions) {
    super(cutLong(opts.message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PctlError';
    this.code = opts.code;
    this.fault = opts.fault ?? 'tool';
    this.hint = opts.hint === undefined ? undefined : cutLong(opts.hint);
    this.detail = opts.detail === undefined ? undefined : cutLong(opts.detail, 16 * MAX_MESSAGE_CHARS);
    this.exitCode = opts.exitCode ?? (this.fault === 'user' ? 2 : 1);
    this.unchanged = opts.unchanged === true;
  }

  /** The single line a user sees. */
  oneLine(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}

// True when the value is a PctlError with one of the codes, even across duplicated module
// instances (a provider's JavaScript may construct one with a code outside the set).
export function isPctlError(e: unknown): e is PctlError {
  return (
    (e instanceof PctlError ||
      (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'PctlError')) &&
    isErrorCode((e as { code?: unknown }).code)
  );
}

// Wraps any thrown value into a PctlError so the CLI always has one line to print.
export function toPctlError(e: unknown, code: ErrorCode = 'InternalError'): PctlError {
  if (isPctlError(e)) return e.message.length > MAX_MESSAGE_CHARS ? recut(e) : e;
  // A PctlError of another copy of this module, with a code outside the set.
  if (e instanceof Error && e.name === 'PctlError') {
    const o = e as Error & {
      hint?: unknown;
      fault?: unknown;
      exitCode?: unknown;
      detail?: unknown;
      unchanged?: unknown;
    };
    return new PctlError({
      code: 'ProviderFailed',
      message: e.message,
      hint: typeof o.hint === 'string' ? o.hint : undefined,
      fault: o.fault === 'user' || o.fault === 'environment' ? o.fault : 'tool',
      exitCode:
        typeof o.exitCode === 'number' && Number.isInteger(o.exitCode) && o.exitCode > 0 ? o.exitCode : undefined,
      detail: typeof o.detail === 'string' ? o.detail : e.stack,
      cause: e,
      unchanged: o.unchanged === true,
    });
  }
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : describeThrown(e);
  return new PctlError({ code, message, fault: 'tool', detail: e instanceof Error ? e.stack : undefined, cause: e });
}

// A PctlError made elsewhere (a provider's own copy of this module) with a message too long
// to print; or, with `change`, a copy of one with those options changed.
function recut(e: PctlError, change: Partial<PctlErrorOptions> = {}): PctlError {
  return new PctlError({
    code: e.code,
    message: e.message,
    hint: e.hint,
    fault: e.fault,
    exitCode: e.exitCode,
    detail: e.detail,
    cause: e.cause,
    unchanged: e.unchanged === true,
    ...change,
  });
}

// The error of a deploy that left the service as it was (see PctlErrorOptions.unchanged).
export function leftUnchanged(e: unknown): PctlError {
  const err = toPctlError(e);
  return err.unchanged ? err : recut(err, { unchanged: true, cause: err.cause ?? e });
}

// A thrown non-Error (an object, undefined) as one readable phrase, never "[object Object]".
function describeThrown(e: unknown): string {
  if (e === undefined || e === null) return `threw ${String(e)}`;
  try {
    return `threw ${JSON.stringify(e)}`;
  } catch {
    return `threw a ${typeof e}`;
  }
}
