// The one error for an endpoint pctl cannot use: it names the variable or context and the fix.
import { PctlError } from '../errors.js';

export function endpointInvalid(message: string, hint: string, detail?: string): PctlError {
  return new PctlError({ code: 'DockerEndpointInvalid', message, hint, fault: 'environment', detail });
}
