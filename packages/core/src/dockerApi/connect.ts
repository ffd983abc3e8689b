// A dockerode client for an endpoint (unix socket, tcp, tcp + TLS), with its own keep-alive
// agent so that close() ends its connections. dockerode is imported here, on first use only.
import http from 'node:http';
import https from 'node:https';
import type { Dockerode, EngineEndpoint } from './types.js';

// Variables docker-modem reads in its constructor, whatever it is given; pctl has already
// resolved them (DOCKER_HOST malformed for modem but fine for pctl must not throw there).
const MODEM_ENV = ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CLIENT_TIMEOUT', 'DOCKER_PATH_PREFIX'];

export async function dockerClient(endpoint: EngineEndpoint, socketPath?: string): Promise<{ api: Dockerode; close(): void }> {
  const { default: Docker } = await import('dockerode');
  const tls = endpoint.kind === 'tcp' ? endpoint.tls : undefined;
  const agent = tls
    ? new https.Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify })
    : new http.Agent({ keepAlive: true });
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
