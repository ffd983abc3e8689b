// The docker CLI's own settings: its config folder (DOCKER_CONFIG, else ~/.docker), the
// current context named in config.json, and a context's endpoint from the context store
// (contexts/meta/<sha256(name)>/meta.json, TLS files under contexts/tls/<sha256(name)>/docker/).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { endpointInvalid } from './endpointError.js';

export type Env = Record<string, string | undefined>;

// The docker CLI's config folder.
export function dockerConfigDir(env: Env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

// Reads a file that may be missing (undefined); any other failure is one error line.
export function readOptional(file: string, what: string, fix: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw endpointInvalid(`cannot read ${what} ${file}: ${(e as Error).message}`, fix);
  }
}

// The context config.json names as current (`docker context use`), if any.
export function currentContext(configDir: string): string | undefined {
  const file = path.join(configDir, 'config.json');
  const text = readOptional(file, 'the docker config', 'fix its permissions, or set DOCKER_HOST');
  if (text === undefined || !text.trim()) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw endpointInvalid(
      `${file} is not valid JSON (${(e as Error).message})`,
      'fix or remove the file, or set DOCKER_HOST',
    );
  }
  const name = (doc as { currentContext?: unknown } | null)?.currentContext;
  if (name === undefined || name === null || name === '') return undefined;
  if (typeof name !== 'string')
    throw endpointInvalid(
      `${file}: currentContext must be a context name`,
      'run `docker context use default`, or set DOCKER_HOST',
    );
  return name;
}

export interface ContextEndpoint {
  host: string;
  skipTlsVerify: boolean;
  /** PEM contents of the TLS files the context stores. */
  tls: { ca?: string; cert?: string; key?: string };
}

// The docker endpoint of a named context; `source` says why this context (for messages).
export function readContext(configDir: string, name: string, source: string): ContextEndpoint {
  const id = createHash('sha256').update(name).digest('hex');
  const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
  const fix =
    'run `docker context ls` to see the contexts, `docker context use default` to go back to the local engine, or set DOCKER_HOST';
  const text = readOptional(metaFile, `docker context "${name}"`, fix);
  if (text === undefined)
    throw endpointInvalid(`docker context "${name}" (${source}) does not exist: no ${metaFile}`, fix);
  let meta: { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw endpointInvalid(
      `docker context "${name}" (${source}): ${metaFile} is not valid JSON (${(e as Error).message})`,
      fix,
    );
  }
  const ep = meta?.Endpoints?.docker;
  if (!ep || typeof ep.Host !== 'string' || !ep.Host)
    throw endpointInvalid(`docker context "${name}" (${source}) has no docker endpoint host in ${metaFile}`, fix);
  const tlsDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  const tls: ContextEndpoint['tls'] = {};
  for (const [k, file] of [
    ['ca', 'ca.pem'],
    ['cert', 'cert.pem'],
    ['key', 'key.pem'],
  ] as const) {
    const pem = existsSync(tlsDir)
      ? readOptional(path.join(tlsDir, file), `the TLS file of docker context "${name}"`, fix)
      : undefined;
    if (pem !== undefined) tls[k] = pem;
  }
  return { host: ep.Host, skipTlsVerify: ep.SkipTLSVerify === true, tls };
}
