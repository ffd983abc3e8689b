// Artifact Registry through core's Docker Registry HTTP API v2 client, with the Google access
// token as the password of user `oauth2accesstoken` (Basic auth, or the registry's Bearer
// token flow when it asks for one).
import { RegistryApi } from '@pctl/core';

export { parseImage, registryBase } from '@pctl/core';

export const TOKEN_USER = 'oauth2accesstoken';

/** The Artifact Registry at `host`, reached with a Google access token. */
export function artifactRegistry(host: string, token: string, signal?: AbortSignal): RegistryApi {
  return new RegistryApi({
    host,
    credentials: { username: TOKEN_USER, password: token },
    signal,
    label: 'Artifact Registry',
    forbiddenHint:
      'the credentials need roles/artifactregistry.writer on the repository (and it must exist: gcloud artifacts repositories create)',
    unreachableHint: 'check the network, or provider.options.registryHost / registryLocation',
  });
}
