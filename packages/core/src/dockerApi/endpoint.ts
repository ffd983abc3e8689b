// Where the engine of the environment is, decided as the docker CLI decides it: DOCKER_HOST
// (with DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH), else DOCKER_CONTEXT, else the
// current context of config.json, else unix:///var/run/docker.sock.
import path from 'node:path';
import { currentContext, dockerConfigDir, readContext, readOptional, type Env } from './contextStore.js';
import { DEFAULT_SOCKET, parseDockerHost } from './dockerHost.js';
import { endpointInvalid } from './endpointError.js';
import type { EngineEndpoint } from './types.js';

// The endpoint the environment names.
export function resolveEndpoint(env: Env = process.env): EngineEndpoint {
  const configDir = dockerConfigDir(env);
  if (env.DOCKER_HOST) {
    return parseDockerHost(env.DOCKER_HOST, {
      name: 'DOCKER_HOST',
      fix: 'set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:port or ssh://user@host, or unset it',
      tls: envTls(env, configDir),
    });
  }
  const fromEnv = env.DOCKER_CONTEXT;
  const name = fromEnv || currentContext(configDir);
  if (!name || name === 'default')
    return { kind: 'unix', socketPath: DEFAULT_SOCKET, describe: `unix://${DEFAULT_SOCKET}` };
  const source = fromEnv ? 'DOCKER_CONTEXT' : `currentContext in ${path.join(configDir, 'config.json')}`;
  const ctx = readContext(configDir, name, source);
  const hasTls = Boolean(ctx.tls.ca || ctx.tls.cert || ctx.tls.key);
  if ((ctx.tls.cert === undefined) !== (ctx.tls.key === undefined)) {
    throw endpointInvalid(
      `docker context "${name}" (${source}) has a TLS ${ctx.tls.cert ? 'cert.pem without key.pem' : 'key.pem without cert.pem'}`,
      'recreate the context with `docker context create --docker host=...,ca=...,cert=...,key=...`',
    );
  }
  return parseDockerHost(ctx.host, {
    name: `docker context "${name}" (${source})`,
    fix: 'fix the context with `docker context update`, or choose another with `docker context use`',
    tls: hasTls || ctx.skipTlsVerify ? { ...ctx.tls, verify: !ctx.skipTlsVerify } : undefined,
    suffix: ` (docker context "${name}")`,
  });
}

// TLS for DOCKER_HOST: on with DOCKER_TLS_VERIFY or DOCKER_TLS (any non-empty value, "0"
// too, as the docker CLI reads them), with ca.pem (required, as by the docker CLI), and
// cert.pem + key.pem when there, from DOCKER_CERT_PATH (default: the docker config folder).
function envTls(env: Env, configDir: string): EngineEndpoint['tls'] {
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  if (!verify && !env.DOCKER_TLS) return undefined;
  const dir = env.DOCKER_CERT_PATH || configDir;
  const where = env.DOCKER_CERT_PATH ? `DOCKER_CERT_PATH (${dir})` : `${dir} (DOCKER_CERT_PATH is not set)`;
  const fix = `put ca.pem, cert.pem and key.pem in ${env.DOCKER_CERT_PATH ? 'DOCKER_CERT_PATH' : dir} or point DOCKER_CERT_PATH at them, or unset ${verify ? 'DOCKER_TLS_VERIFY' : 'DOCKER_TLS'}`;
  const read = (file: string) => readOptional(path.join(dir, file), 'the TLS file', fix);
  const tls = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem'), verify };
  const name = verify ? 'DOCKER_TLS_VERIFY' : 'DOCKER_TLS';
  if (tls.ca === undefined) throw endpointInvalid(`${name} is set but ${where} has no ca.pem`, fix);
  if ((tls.cert === undefined) !== (tls.key === undefined))
    throw endpointInvalid(`${where} has ${tls.cert ? 'cert.pem but no key.pem' : 'key.pem but no cert.pem'}`, fix);
  return Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)) as EngineEndpoint['tls'];
}
