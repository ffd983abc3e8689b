// The labels every resource pctl creates carries, so it can always be found again.
export const MANAGED_BY = 'managed-by';
export const STACK_LABEL = 'pctl-stack';
export const SERVICE_LABEL = 'pctl-service';

export function serviceKey(stack: string, service: string): string {
  return `${stack}-${service}`;
}

export function pctlLabels(stack: string, service: string): Record<string, string> {
  return { [MANAGED_BY]: 'pctl', [STACK_LABEL]: stack, [SERVICE_LABEL]: serviceKey(stack, service) };
}
