// The key of a service in the state file and on its resources, `<stack>-<service>`, and back.
import { NAME_PATTERN } from './config/schema.js';

export { serviceKey } from '@pctl/provider-kit';

/** The service name of a key `<stack>-<service>`, or undefined when it is not one (a hostile or foreign key). */
export function serviceOfKey(stack: string, key: unknown): string | undefined {
  if (typeof key !== 'string' || !key.startsWith(`${stack}-`)) return undefined;
  const service = key.slice(stack.length + 1);
  return service.length <= 63 && NAME_PATTERN.test(service) ? service : undefined;
}
