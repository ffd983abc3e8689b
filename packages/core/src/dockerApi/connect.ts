// A dockerode client for an endpoint (unix socket, tcp, tcp + TLS), with its own keep-alive
// agent so that close() ends its connections. dockerode is imported here, on first use only.
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import type { Dockerode, EngineEndpoint } from './types.js';

// Variables docker-modem reads in its constructor, whatever it is given; pctl has already
// resolved them (DOCKER_HOST malformed for modem but fine for pctl must not throw there).
const MODEM_ENV = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_CLIENT_TIMEOUT',
  'DOCKER_PATH_PREFIX',
];

export async function dockerClient(
  endpoint: EngineEndpoint,
  socketPath?: string,
): Promise<{ api: Dockerode; close(): void }> {
  const Docker = await loadDockerode();
  const tls = endpoint.kind === 'tcp' ? endpoint.tls : undefined;
  // A new connection per request, as the docker CLI makes: a stopping dockerd closes its
  // listener first but serves kept-alive connections on, which would hide that it is going.
  // A connect() on a unix socket costs next to nothing, a channel over the open ssh
  // connection one round trip. Kept alive where a connection costs more: a TLS handshake
  // (tcp), or a `sudo docker system dial-stdio` process on the host (ssh with sudo).
  const keepAlive = endpoint.kind === 'tcp' || (endpoint.kind === 'ssh' && endpoint.ssh?.sudo === true);
  const agent = tls
    ? new https.Agent({ keepAlive, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify })
    : new http.Agent({ keepAlive });
  // docker-modem formats every request's options, agent included, with util.inspect
  // (showHidden, no depth limit) for a debug line it then drops: on a 10-service destroy
  // that was 0.3 s of CPU, more than all the API calls. The agent prints as its name.
  Object.defineProperty(agent, inspect.custom, { value: () => '[Agent]' });
  const opts = {
    socketPath: socketPath ?? (endpoint.kind === 'unix' ? endpoint.socketPath : undefined),
    host: endpoint.kind === 'tcp' && !socketPath ? endpoint.host : undefined,
    port: endpoint.kind === 'tcp' && !socketPath ? endpoint.port : undefined,
    protocol: (tls && !socketPath ? 'https' : 'http') as 'https' | 'http',
    ca: tls?.ca,
    cert: tls?.cert,
    key: tls?.key,
    pathPrefix: undefined,
    timeout: undefined,
    agent,
  };
  const saved = MODEM_ENV.map((k) => [k, process.env[k]] as const);
  for (const k of MODEM_ENV) delete process.env[k];
  let api: Dockerode;
  try {
    api = new Docker(opts);
  } finally {
    for (const [k, v] of saved) if (v !== undefined) process.env[k] = v;
  }
  return { api, close: () => agent.destroy() };
}

let dockerode: Promise<typeof import('dockerode')> | undefined;

// Defined by scripts/bundle.mjs: the CLI bundle carries dockerode in a chunk of its own,
// with the parts below already lazy and docker-modem's debug log a no-op.
declare const __PCTL_BUNDLED__: boolean | undefined;
const bundled = typeof __PCTL_BUNDLED__ !== 'undefined' && __PCTL_BUNDLED__;

// dockerode, without two parts pctl does not use until something asks for them: its
// BuildKit session code (gRPC, ~0.2 s of CPU; a BuildKit build loads it) and
// docker-modem's ssh transport (ssh2 and its crypto, ~35 modules, ~50 ms; pctl reaches
// remote engines through OpenSSH's socket forward, never through it). Each is put in the
// require cache as a stub that loads the real module on first call. If the libraries'
// layout changes, they load as they are.
function loadDockerode(): Promise<typeof import('dockerode')> {
  return (dockerode ??= (async () => {
    if (bundled) return (await import('dockerode')).default;
    try {
      const require = createRequire(import.meta.url);
      const docker = require.resolve('dockerode');
      lazyInRequireCache(require, require.resolve('dockerode/lib/session.js'));
      lazyInRequireCache(require, createRequire(docker).resolve('docker-modem/lib/ssh.js'));
    } catch {
      /* load dockerode as it is */
    }
    const Docker = (await import('dockerode')).default;
    silenceModemDebug();
    return Docker;
  })());
}

// Puts a function module in the require cache that, called, loads the real one and calls it.
function lazyInRequireCache(require: NodeJS.Require, file: string): void {
  if (require.cache[file]) return;
  const lazy = (...args: unknown[]) => {
    delete require.cache[file];
    return (require(file) as (...a: unknown[]) => unknown)(...args);
  };
  require.cache[file] = {
    id: file,
    filename: file,
    loaded: true,
    exports: lazy,
    children: [],
    paths: [],
    path: file,
  } as unknown as NodeJS.Module;
}

// docker-modem logs every request's options and headers (X-Registry-Auth and
// X-Registry-Config carry registry passwords, base64-encoded, past any masking) and every
// response (container env) through the `debug` package when DEBUG names it (DEBUG=* is a
// common habit). pctl's -v shows each call without secrets; that library log stays off.
function silenceModemDebug(): void {
  try {
    const require = createRequire(createRequire(import.meta.url).resolve('docker-modem'));
    (require('debug') as { disable(): string }).disable();
  } catch {
    /* no debug package beside docker-modem: nothing logs */
  }
}
