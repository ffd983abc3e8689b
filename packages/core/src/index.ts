// The surface of @pctl/core, by name: what the Kubernetes package and the providers build on,
// then what the CLI (and the tests and benchmarks that drive it) call. Everything else is internal.

// ---- for providers (packages/kube, providers/*) ----
export { runPool } from './concurrency/pool.js';
export { quietAwsSdk } from './config/aws.js';
export { type Dependency, dependencies, dependencyNames, isJob, jobTimeoutSeconds } from './config/dependsOn.js';
export { expandPort, parsePort, parsePortEntry, type SinglePort } from './config/ports.js';
export { type RegistryConfig, type ServiceConfig, ServiceSchema } from './config/schema.js';
export { type VolumeMount } from './config/volumes.js';
export {
  type AdoptParams,
  type AdoptResult,
  defineProvider,
  type DeployParams,
  type DestroyParams,
  type ExecOutcome,
  type ExecParams,
  type ExecTerminal,
  type FoundResource,
  type LogLine,
  type LogsParams,
  type PortDialer,
  type PortForwardParams,
  type RunOutcome,
  type RunParams,
  type ReplicaEvent,
  type ProviderContext,
  type ProviderV1,
  type ServiceRef,
  type ServiceStatus,
  type ServiceTarget,
  type StatusParams,
  type SyncBatch,
} from './contract.js';
export { engineError, engineStatusCode } from './dockerApi/engineError.js';
export { engineFor } from './dockerApi/engines.js';
export { followProgress } from './dockerApi/progress.js';
export { type Engine, type SshTarget } from './dockerApi/types.js';
export { type ErrorCode, isPctlError, leftUnchanged, PctlError } from './errors.js';
export { type Exec, type ExecOptions, lastLines } from './exec.js';
export { DOCKER_HUB, imageRegistry } from './image/baseImages.js';
export { builtForStack, inspectImage, removeImage, tagImage } from './image/engineImages.js';
export { registryHost } from './image/registry.js';
export { parseImage, RegistryApi, registryBase, type RegistryCredentials, runSettings } from './image/registryApi.js';
export { registryConfigFor } from './image/registryAuth.js';
export { MANAGED_BY, SERVICE_LABEL, STACK_LABEL } from './labels.js';
export { dnsName, resourceName } from './names.js';
export { maskSecrets } from './output/mask.js';
export { createMemoryReporter, type EventCode, Events, type Reporter } from './reporter.js';
export { requireServiceOfKey, serviceKey, serviceOfKey } from './serviceKey.js';
export { type StateEntry } from './state/types.js';
export { replaceFileSync } from './state/replaceFile.js';

// ---- for the CLI (packages/cli), its tests and benchmarks ----
export { ConfigError, type LoadedStack, loadStack } from './config/load.js';
export { listEnvironments } from './config/environments.js';
export { ALL_ENVIRONMENTS } from './config/compose.js';
export { formatIssues, sortIssues, type ConfigIssue } from './config/issues.js';
export { resolvePackage } from './config/packageResolve.js';
export { PROVIDER_API_VERSION } from './contract.js';
export { closeEngines } from './dockerApi/engines.js';
export { checkArguments } from './engine/arguments.js';
export { runBuild, runBuildExplain, runBuildList } from './engine/build.js';
export { refuseKeyCollisions } from './engine/collisions.js';
export { runDeploy } from './engine/deploy/index.js';
export { type RunResult } from './engine/outcome.js';
export { runDestroy } from './engine/destroy.js';
export { requireValidProviders } from './providers/check.js';
export { loadProvider } from './providers/load.js';
export { type BuiltinProviders } from './providers/types.js';
export { applyRecover, noTtyForConfirm, planRecover } from './engine/recover.js';
export { type SessionOptions } from './engine/session.js';
export { type LoadedProvider } from './providers/types.js';
export { runPlan } from './engine/runPlan.js';
export { runRender } from './engine/runRender.js';
export { runExec } from './engine/exec.js';
export { runOneOff } from './engine/runOneOff.js';
export { type LogRecord, parseSince, runLogs } from './engine/logs.js';
export { type Forward, parseForward, runPortForward } from './engine/portForward.js';
export { runStatus, type StatusRow } from './engine/status.js';
export { runHistory, type HistoryRelease, type ServiceHistory } from './engine/history.js';
export { historyLimit, releasesOf, type Release } from './engine/releases.js';
export { runRollback } from './engine/rollback.js';
export { runSync } from './engine/sync.js';
export { type DevEvent, type DevSummary, runDev } from './engine/dev.js';
export { ERROR_CODES, toPctlError } from './errors.js';
export { createExec } from './exec.js';
export { exitAttempt, exitProcess, guardExit } from './exitGuard.js';
export { hashBuildInputs } from './image/hash.js';
export { buildSpecFor } from './image/spec.js';
export { maskDeep, maskKnown } from './output/mask.js';
export { EVENT_CODES, type EventSpec, type ReportEvent } from './reporter.js';
export { heldLockCount, releaseHeldLocksSync, unlockStack } from './state/lock.js';
export { readStateFile, statePath } from './state/store.js';
export {
  backendOfUrl,
  migrateState,
  openStateOf,
  parseStateFileText,
  pushState,
  type StateCommandOptions,
} from './engine/stateCommands.js';
export type { StateBackend, StateVersion } from './state/backend/types.js';
export { describeHolder } from './state/holder.js';
export { StateFileSchema } from './state/types.js';
export { describeThrown, parseDuration, runStep, thrownValue, unsettledError, unsettledSteps } from './step.js';
