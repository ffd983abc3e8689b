// What pctl calls a service's Kubernetes objects and how it labels them. Names come from
// the core's one derivation (`resourceName`); label values keep the names the user wrote
// wherever Kubernetes allows them, and are derived only where it does not.
import { createHash } from 'node:crypto';
import { MANAGED_BY, PctlError, resourceName, serviceKey, SERVICE_LABEL, STACK_LABEL } from '@pctl/core';

/** Annotation holding the exact `<stack>-<service>` key when its label value had to be derived. */
export const KEY_ANNOTATION = 'pctl/key';

/** The names of a service's own objects: `<stack>-<service>` as a DNS label, plus suffixes. */
export interface ServiceObjectNames {
  /** Deployment, Service, ServiceAccount, HPA, Role, RoleBinding, PVC, PV. */
  workload: string;
  /** The image pull Secret. */
  pullSecret: string;
  /** The Secret holding env values that came from secret-bearing resolvers. */
  envSecret: string;
}

/** Names of a service's objects, e.g. `shop-api`, `shop-api-regcred`, `shop-api-env`. */
export function serviceObjectNames(stack: string, service: string): ServiceObjectNames {
  const workload = resourceName(stack, service);
  if (!/^[a-z]/.test(workload)) {
    // A Service name must be a DNS-1035 label: a stack or service name like `1shop` cannot name one.
    throw new PctlError({
      code: 'InvalidConfig',
      fault: 'user',
      message: `stack "${stack}", service "${service}": the Kubernetes name ${workload || '(empty)'} must start with a letter`,
      hint: 'start the stack name (or --name) with a letter',
    });
  }
  return { workload, pullSecret: `${workload}-regcred`, envSecret: `${workload}-env` };
}

/** Names earlier pctl versions gave the objects (moved to the new names on the next deploy). */
export function legacyObjectNames(
  stack: string,
  service: string,
): { workload: string; pullSecret: string; storage: string } {
  return {
    workload: service,
    pullSecret: `${serviceKey(stack, service)}-pull`,
    storage: `${serviceKey(stack, service)}-storage`,
  };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A valid label value for `raw`: `raw` itself when Kubernetes accepts it (`My_App` does),
 * else its DNS form cut to 52 characters plus `-` and 10 hex of its sha256, so two names
 * never share a derived value.
 */
export function labelValue(raw: string): string {
  if (raw.length <= 63 && LABEL_VALUE.test(raw)) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 10);
  const base = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 52)
    .replace(/-+$/, '');
  return base ? `${base}-${hash}` : hash;
}

/** The three pctl labels on a service's objects, as valid label values. */
export function kubeLabels(stack: string, service: string): Record<string, string> {
  return {
    [MANAGED_BY]: 'pctl',
    [STACK_LABEL]: labelValue(stack),
    [SERVICE_LABEL]: labelValue(serviceKey(stack, service)),
  };
}

/** The label selector of one service's objects. */
export function serviceSelector(stack: string, service: string): string {
  return Object.entries(kubeLabels(stack, service))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The label selector of every object of a stack. */
export function stackSelector(stack: string): string {
  return `${MANAGED_BY}=pctl,${STACK_LABEL}=${labelValue(stack)}`;
}

/** The `objectNames` a state entry records for objects named as this version names them. */
export const OBJECT_NAMES_VERSION = 2;

/** `outdated` for Kubernetes providers: an entry whose objects an earlier pctl named `<service>` is deployed again. */
export function kubeEntryOutdated(entry: { objectNames?: unknown; destroyed?: boolean }): string | undefined {
  if (entry.destroyed || entry.objectNames === OBJECT_NAMES_VERSION) return undefined;
  return 'objects named by an earlier pctl version: moving them to <stack>-<service>';
}
