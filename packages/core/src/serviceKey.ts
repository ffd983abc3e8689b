// The key of a service in the state file and on its resources, `<stack>-<service>`, and back.
import { NAME_PATTERN } from './config/schema.js';
import { PctlError } from './errors.js';

export { serviceKey } from '@pctl/provider-kit';

/** The service name of a key `<stack>-<service>`, or undefined when it is not one (a hostile or foreign key). */
export function serviceOfKey(stack: string, key: unknown): string | undefined {
  if (typeof key !== 'string' || !key.startsWith(`${stack}-`)) return undefined;
  const service = key.slice(stack.length + 1);
  return service.length <= 63 && NAME_PATTERN.test(service) ? service : undefined;
}

/** The service name of a state key; a key that is not `<stack>-<service>` names nothing pctl may touch: refused. */
export function requireServiceOfKey(stack: string, key: string): string {
  const service = serviceOfKey(stack, key);
  if (service === undefined)
    throw new PctlError({
      code: 'StateInvalid',
      exitCode: 2,
      fault: 'user',
      message: `state entry ${JSON.stringify(key)} is not <stack>-<service> for stack ${stack}: pctl removes nothing for it`,
      hint: 'remove that entry from the state file',
    });
  return service;
}
