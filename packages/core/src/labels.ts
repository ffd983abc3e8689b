// The labels every resource pctl creates carries: defined once, in @pctl/provider-kit.
export { MANAGED_BY, STACK_LABEL, SERVICE_LABEL, pctlLabels } from '@pctl/provider-kit';
