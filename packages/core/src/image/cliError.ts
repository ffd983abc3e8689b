// What a failed docker CLI command means: no engine answering, no docker command, or
// the command's own failure (for the commands that stay on the CLI: login, push, buildx).
import { PctlError, isPctlError } from '../errors.js';

// Whether a docker command failed because no engine answers (and not because the thing
// it looked for is missing: "connect: no such file or directory" is not "No such image").
export function engineUnreachable(text: string): boolean {
  return /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|connect: no such file|connection refused|dial unix/i.test(
    text,
  );
}

// Turns "cannot connect" failures into one clear line naming DOCKER_HOST and the fix.
export function dockerError(e: unknown, what: string): PctlError {
  const err = isPctlError(e) ? e : new PctlError({ code: 'CommandFailed', message: String(e), fault: 'environment' });
  const text = `${err.message}\n${err.detail ?? ''}`;
  if (err.code === 'CommandNotFound') {
    return new PctlError({
      code: 'DockerNotFound',
      message: `${what}: the docker command is not installed`,
      fault: 'environment',
      hint: 'install Docker (Debian: apt-get install docker.io), or run scripts/ensure-docker.sh',
    });
  }
  if (engineUnreachable(text)) {
    return new PctlError({
      code: 'DockerUnavailable',
      message: `${what}: no Docker engine answers at ${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'}`,
      fault: 'environment',
      hint: 'start Docker, or point DOCKER_HOST at a running engine; `source scripts/ensure-docker.sh` starts a private one',
      detail: err.detail,
    });
  }
  return err;
}
