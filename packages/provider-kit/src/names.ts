// Resource names derived from stack and service names. The stack file keeps the names the
// user wrote (`My_App`, `my_api`, as the original pctl accepts them) and state keys stay
// `<stack>-<service>`; every platform object is named from them in this one way.
import { serviceKey } from './labels.js';

/** A DNS-1123 label (Kubernetes names, Docker names): lowercase, [a-z0-9-], at most 63. */
export function dnsName(raw: string): string {
  const s = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, 63).replace(/-+$/, '');
}

/** The name of a service's objects on every platform: `dnsName("<stack>-<service>")`. */
export function resourceName(stack: string, service: string): string {
  return dnsName(serviceKey(stack, service));
}
