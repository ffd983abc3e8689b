// A failed engine call as one PctlError worded as `what` failed: no engine answering
// (DockerUnavailable, today's wording naming DOCKER_HOST), TLS refused, the ssh connection
// gone (SshFailed), or the engine's own message for an HTTP error (DockerApiError).
import { PctlError, isPctlError } from '../errors.js';
import { resolveEndpoint } from './endpoint.js';
import { forwards } from './sshForward.js';
import { EngineProgressError } from './progress.js';
import { sshLost, sudoFailed } from './sshError.js';
import type { Engine } from './types.js';

type CallError = Error & {
  code?: string;
  statusCode?: number;
  json?: unknown;
  reason?: string;
  engineDescribe?: string;
  sudoFailure?: string;
};

const NO_ENGINE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
  'ECONNABORTED',
  'ENOTDIR',
]);
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|EPROTO|certificate|handshake/i;
export const UNREACHABLE_HINT =
  'start Docker, or point DOCKER_HOST at a running engine; `source scripts/ensure-docker.sh` starts a private one';

// The PctlError for a failed call to an engine (engine: the one called, when known).
export function engineError(e: unknown, what: string, engine?: Engine): PctlError {
  if (isPctlError(e)) return e;
  if (e instanceof EngineProgressError) {
    return new PctlError({
      code: 'DockerApiError',
      message: `${what} failed: ${e.message}`,
      fault: 'environment',
      detail: e.lines.slice(-30).join('\n'),
      cause: e,
    });
  }
  const err = (e instanceof Error ? e : new Error(String(e))) as CallError;
  if (err.name === 'AbortError' || err.code === 'ABORT_ERR') {
    return new PctlError({
      code: 'Interrupted',
      message: `interrupted: ${what}`,
      fault: 'user',
      exitCode: 130,
      cause: e,
    });
  }
  const describe = engine?.endpoint.describe ?? err.engineDescribe ?? environmentEngine();
  if (typeof err.statusCode === 'number') {
    return new PctlError({
      code: 'DockerApiError',
      message: `${what} failed: ${engineMessage(err)}`,
      fault: 'environment',
      detail: `HTTP ${err.statusCode} from ${describe}`,
      cause: e,
    });
  }
  const fwd = engine && forwards.get(engine);
  const lost = fwd?.lost();
  if (lost && engine?.endpoint.ssh) return sshLost(engine.endpoint.ssh, what, lost);
  if (TLS_FAILURE.test(`${err.code ?? ''} ${err.message}`)) {
    return new PctlError({
      code: 'DockerUnavailable',
      message: `${what}: TLS with the Docker engine at ${describe} failed: ${tlsReason(err.message)}`,
      detail: err.message,
      fault: 'environment',
      hint: 'check ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH (or the docker context), and DOCKER_TLS_VERIFY',
      cause: e,
    });
  }
  if (err.code === 'EACCES') {
    return new PctlError({
      code: 'DockerUnavailable',
      message: `${what}: permission denied opening ${describe}`,
      fault: 'environment',
      hint: 'add your user to the docker group (then log in again), or point DOCKER_HOST at an engine you may use',
      detail: err.message,
      cause: e,
    });
  }
  if ((err.code && NO_ENGINE.has(err.code)) || /socket hang up/.test(err.message)) {
    // Over a sudo bridge the connection closes when `sudo docker` on the host fails: say why.
    const bridge = err.sudoFailure ?? fwd?.bridgeFailure();
    if (bridge) return sudoFailed(what, describe, bridge);
    return new PctlError({
      code: 'DockerUnavailable',
      message: `${what}: no Docker engine answers at ${describe}`,
      fault: 'environment',
      hint: UNREACHABLE_HINT,
      detail: err.message,
      cause: e,
    });
  }
  return new PctlError({
    code: 'DockerApiError',
    message: `${what} failed: ${firstLine(err.message)}`,
    fault: 'environment',
    detail: err.stack,
    cause: e,
  });
}

// The HTTP status of a failed engine call (404 for a missing container), looking through causes.
export function engineStatusCode(e: unknown): number | undefined {
  for (
    let c = e as { statusCode?: unknown; cause?: unknown } | undefined, i = 0;
    c && i < 5;
    c = c.cause as typeof c, i++
  ) {
    if (typeof c.statusCode === 'number') return c.statusCode;
  }
  return undefined;
}

// The engine's own words for an HTTP error ("No such container: x").
function engineMessage(err: CallError): string {
  const json = err.json as { message?: unknown } | string | Buffer | undefined;
  // A streamed call (a pull) carries the engine's words only in the message: "(HTTP code 500) server error - <words>".
  const streamed = /^\(HTTP code \d+\) [^-]*- ([\s\S]+)$/.exec(err.message ?? '')?.[1]?.trim();
  const text =
    typeof json === 'object' && json !== null && !Buffer.isBuffer(json) && typeof json.message === 'string'
      ? json.message
      : json
        ? String(json)
        : streamed || err.reason || err.message;
  return text.trim().split('\n')[0]!;
}

// OpenSSL's reason ("tlsv13 alert certificate required") out of its error text, else Node's line.
function tlsReason(message: string): string {
  return /SSL routines:[^:\n]*:([^:\n]+)/.exec(message)?.[1]?.trim() ?? firstLine(message);
}

const firstLine = (text: string) => text.trim().split('\n')[0]!.trim();

// The environment's engine as messages name it, even when its settings are broken.
function environmentEngine(): string {
  try {
    return resolveEndpoint().describe;
  } catch {
    return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  }
}
