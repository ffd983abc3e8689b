// Getting an image onto a remote Docker host: through the registry when the service has
// one (the remote engine pulls it, with the service's credentials in X-Registry-Auth),
// else streamed from the local engine to the remote one (GET /images/get piped into
// POST /images/load, through the ssh forward: no temp file, no docker CLI on either side).
import {
  DOCKER_HUB,
  followProgress,
  imageRegistry,
  PctlError,
  registryConfigFor,
  registryHost,
  type Exec,
  type RegistryConfig,
} from '@pctl/core';
import { pathPart, type Api } from './api.js';
import { imageId } from './images.js';

export type Transfer = 'present' | 'registry' | 'streamed';

// Makes sure the remote engine has `ref`; says how it got there.
export async function transferImage(p: {
  local: Api;
  remote: Api;
  ref: string;
  registry: RegistryConfig | undefined;
  report: (text: string) => void;
}): Promise<Transfer> {
  if (await imageId(p.remote, p.ref)) return 'present';
  if (p.registry) {
    await pullImage(p.remote, p.ref, p.registry);
    return 'registry';
  }
  p.report(`sending ${p.ref} to ${p.remote.host} (GET /images/get | POST /images/load)`);
  const saved = await p.local.call(`GET /images/${pathPart(p.ref)}/get`, `saving ${p.ref}`, (d) =>
    d.getImage(pathPart(p.ref)).get(),
  );
  const loaded = await p.remote.call('POST /images/load', `sending ${p.ref} to ${p.remote.host}`, (d) =>
    d.loadImage(saved),
  );
  try {
    await followProgress(loaded);
  } catch (e) {
    throw p.remote.fail(e, `sending ${p.ref} to ${p.remote.host}`);
  }
  return 'streamed';
}

// Pulls `ref` on an engine (POST /images/create), with the service's registry login if it
// has one, else (`exec` given: the local engine) the docker config's credentials for the
// image's registry, as `docker run` finds them.
export async function pullImage(
  api: Api,
  ref: string,
  registry: RegistryConfig | undefined,
  exec?: Exec,
): Promise<void> {
  let auth: { username?: string; password?: string; identitytoken?: string; serveraddress: string } | undefined =
    typeof registry === 'object' && registry.username && registry.password
      ? { username: registry.username, password: registry.password, serveraddress: registryHost(registry.url) }
      : undefined;
  if (!auth && exec) auth = (await registryConfigFor({ exec, registries: [imageRegistry(ref)] }))[imageRegistry(ref)];
  const where = api.host ? ` on ${api.host}` : '';
  try {
    const stream = await api.call(
      `POST /images/create?fromImage=${encodeURIComponent(ref)}${auth ? ' (X-Registry-Auth)' : ''}`,
      `pulling ${ref}${where}`,
      (d) => d.pull(ref, auth ? { authconfig: auth } : {}),
    );
    await followProgress(stream as NodeJS.ReadableStream);
  } catch (e) {
    const err = api.fail(e, `pulling ${ref}${where}`);
    // No engine, an interrupt: said as they are. The engine's refusal: a pull that failed, with what to check.
    if (err.code !== 'DockerApiError') throw err;
    throw new PctlError({
      code: 'ImagePullFailed',
      message: err.message,
      fault: 'user',
      exitCode: 1,
      hint: `check the image name and tag; for a private registry, run docker login${imageRegistry(ref) === DOCKER_HUB ? '' : ` ${imageRegistry(ref)}`} or give the service a registry username and password`,
      detail: err.detail,
    });
  }
}
