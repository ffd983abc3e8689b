// Credentials for the registries a build pulls its base images from, for the engine's
// X-Registry-Config header, found as the docker CLI finds them: the docker config file
// ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), its `auths`, and the answer of
// the credential helper (`credHelpers` for that registry, else `credsStore`) to
// `docker-credential-<name> get` with the registry on stdin.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { dockerConfigDir } from '../dockerApi/contextStore.js';
import type { Exec } from '../exec.js';
import { rememberSecret } from '../output/mask.js';
import { DOCKER_HUB } from './baseImages.js';

/** One registry's entry of X-Registry-Config (Docker's AuthConfig). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

// The docker config file, or undefined when there is none (or it is not JSON: the CLI then warns and goes on without it).
async function readDockerConfig(): Promise<DockerConfigFile | undefined> {
  try {
    const v = JSON.parse(await fs.readFile(path.join(dockerConfigDir(process.env), 'config.json'), 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as DockerConfigFile) : undefined;
  } catch {
    return undefined;
  }
}

const HUB_HOSTS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);

// The registry a config key names, as a host[:port] or Docker Hub's key (keys may be URLs).
function registryOfKey(key: string): string {
  const host = key.replace(/^https?:\/\//i, '').split('/')[0]!;
  return HUB_HOSTS.has(host) ? DOCKER_HUB : host;
}

// Credentials a helper gives for one registry; undefined when it has none or fails.
async function fromHelper(
  exec: Exec,
  helper: string,
  registry: string,
  signal?: AbortSignal,
): Promise<Omit<RegistryAuth, 'serveraddress'> | undefined> {
  // The name comes from the user's docker config; it only ever names a docker-credential-* program.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) return undefined;
  const r = await exec(`docker-credential-${helper}`, ['get'], { input: registry, reject: false, signal }).catch(
    () => undefined,
  );
  if (!r || r.exitCode !== 0) return undefined;
  try {
    const { Username, Secret } = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
    if (!Secret) return undefined;
    rememberSecret(Secret);
    return Username === '<token>' ? { identitytoken: Secret } : { username: Username, password: Secret };
  } catch {
    return undefined;
  }
}

// Credentials of an `auths` entry (base64 "user:password", or the fields themselves).
function fromAuths(
  entry: NonNullable<DockerConfigFile['auths']>[string] | undefined,
): Omit<RegistryAuth, 'serveraddress'> | undefined {
  if (!entry) return undefined;
  if (entry.identitytoken) {
    rememberSecret(entry.identitytoken);
    return { identitytoken: entry.identitytoken };
  }
  let { username, password } = entry;
  if (entry.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
  }
  if (!username || !password) return undefined;
  rememberSecret(password);
  return { username, password };
}

// X-Registry-Config for these registries (every configured one when `all`): those with credentials.
export async function registryConfigFor(opts: {
  exec: Exec;
  registries: string[];
  all?: boolean;
  signal?: AbortSignal;
}): Promise<Record<string, RegistryAuth>> {
  const cfg = await readDockerConfig();
  if (!cfg) return {};
  const auths = Object.entries(cfg.auths ?? {});
  const helpers = Object.entries(cfg.credHelpers ?? {});
  const wanted = new Set(opts.registries);
  if (opts.all) for (const [key] of [...auths, ...helpers]) wanted.add(registryOfKey(key));
  const out: Record<string, RegistryAuth> = {};
  await Promise.all(
    [...wanted].map(async (registry) => {
      const helper =
        helpers.find(([key]) => key === registry || registryOfKey(key) === registry)?.[1] ?? cfg.credsStore;
      const fromFile = () => fromAuths(auths.find(([key]) => key === registry || registryOfKey(key) === registry)?.[1]);
      const creds = (helper ? await fromHelper(opts.exec, helper, registry, opts.signal) : undefined) ?? fromFile();
      if (creds) out[registry] = { ...creds, serveraddress: registry };
    }),
  );
  return out;
}
