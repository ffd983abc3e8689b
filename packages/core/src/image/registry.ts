// Registries: the image repository for a service, login (password on stdin only), push.
import type { RegistryConfig } from '../config/schema.js';
import type { Exec } from '../exec.js';
import { PctlError } from '../errors.js';
import { resourceName } from '../names.js';
import { dockerError } from './cliError.js';

// `pctl-<stack>-<service>` locally, or the registry's repository (`ghcr.io/org/api`).
export function imageRepoFor(opts: { stack: string; service: string; registry?: RegistryConfig }): string {
  const url = typeof opts.registry === 'string' ? opts.registry : opts.registry?.url;
  // Image names are lowercase: the one derivation from names.ts (stack `My_App` is allowed).
  if (!url) return `pctl-${resourceName(opts.stack, opts.service)}`;
  return url
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

export function registryHost(repoOrUrl: string): string {
  return repoOrUrl.replace(/^[a-z]+:\/\//i, '').split('/')[0]!;
}

export async function registryLogin(opts: {
  url: string;
  username: string;
  password: string;
  exec: Exec;
}): Promise<void> {
  const host = registryHost(opts.url);
  try {
    await opts.exec('docker', ['login', '--username', opts.username, '--password-stdin', '--', host], {
      input: opts.password,
      secrets: [opts.password],
    });
  } catch (e) {
    const err = dockerError(e, `logging in to ${host}`);
    const text = `${err.message}\n${err.detail ?? ''}`;
    if (
      err.code === 'CommandFailed' &&
      /unauthorized|401|incorrect username or password|authentication required|denied/i.test(text)
    ) {
      throw new PctlError({
        code: 'RegistryLoginFailed',
        exitCode: 1,
        message: `logging in to ${host} as ${opts.username} failed: the registry refused the username or password`,
        fault: 'user',
        hint: `check registry.username and registry.password of the service (try: docker login ${host})`,
        detail: err.detail,
      });
    }
    throw err;
  }
}

export async function pushImage(opts: { ref: string; exec: Exec; signal?: AbortSignal }): Promise<{ pushed: boolean }> {
  try {
    await opts.exec('docker', ['push', '--', opts.ref], { signal: opts.signal });
    return { pushed: true };
  } catch (e) {
    throw dockerError(e, `pushing ${opts.ref}`);
  }
}
