// The provider contract, version 1, as pctl's own providers see it: the types of
// @pctl/provider-kit with the stack file's exact schema types filled in.
import type * as Kit from '@pctl/provider-kit';
import type { StackConfig, ServiceConfig } from './config/schema.js';

export {
  PROVIDER_API_VERSION,
  type RunFlags,
  type ServiceImage,
  type SyncBatch,
  type ServiceStatus,
  type PlanNote,
  type FoundResource,
  type OptionIssue,
  type AdoptResult,
  type LogLine,
  type ReplicaEvent,
  type ExecTerminal,
  type ExecOutcome,
  type RunOutcome,
  type PortDialer,
} from '@pctl/provider-kit';

export type ProviderContext = Kit.ProviderContext<StackConfig>;
export type ServiceTarget = Kit.ServiceTarget<ServiceConfig>;
export type DeployParams = Kit.DeployParams<ServiceConfig, StackConfig>;
export type AdoptParams = Kit.AdoptParams<ServiceConfig, StackConfig>;
export type DestroyParams = Kit.DestroyParams<StackConfig>;
export type StatusParams = Kit.StatusParams<ServiceConfig, StackConfig>;
export type ServiceRef = Kit.ServiceRef<StackConfig>;
export type LogsParams = Kit.LogsParams<StackConfig>;
export type ExecParams = Kit.ExecParams<StackConfig>;
export type RunParams = Kit.RunParams<ServiceConfig, StackConfig>;
export type PortForwardParams = Kit.PortForwardParams<StackConfig>;
export type ProviderV1 = Kit.ProviderV1<ServiceConfig, StackConfig>;
export type Provider = ProviderV1;
export type LegacyProviderFunction = Kit.LegacyProviderFunction<StackConfig>;

// Typed helper for pctl's own providers: checks the object against the contract at compile time.
export function defineProvider<P extends ProviderV1>(provider: P): P {
  return provider;
}
