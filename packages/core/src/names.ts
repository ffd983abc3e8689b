// Platform names from stack and service names: defined once, in @pctl/provider-kit.
export { dnsName, resourceName } from '@pctl/provider-kit';
