// Artifact Registry through its Docker Registry HTTP API v2, with the Google access token
// as the password of user `oauth2accesstoken` (Basic auth, or the registry's Bearer token
// flow when it asks for one): does a tag exist, and delete a tag pctl pushed.
import { PctlError } from '@pctl/core';

export const TOKEN_USER = 'oauth2accesstoken';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Docker reaches loopback registries over plain HTTP; everything else over HTTPS. */
export function registryBase(host: string): string {
  const h = host.replace(/:\d+$/, '');
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(h) ? `http://${host}` : `https://${host}`;
}

export interface ImageName {
  host: string;
  /** Repository path below the host, e.g. my-project/pctl/shop-api. */
  name: string;
  tag: string;
}

export function parseImage(ref: string): ImageName {
  const slash = ref.indexOf('/');
  const host = ref.slice(0, slash);
  const rest = ref.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  return { host, name: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}

export class RegistryApi {
  private bearer = new Map<string, string>();
  constructor(
    private readonly host: string,
    private readonly token: string,
    private readonly signal?: AbortSignal,
  ) {}

  private get basic(): string {
    return `Basic ${Buffer.from(`${TOKEN_USER}:${this.token}`).toString('base64')}`;
  }

  private async send(method: string, path: string, scope: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = `${registryBase(this.host)}${path}`;
    const go = (authorization: string) => fetch(url, { method, headers: { ...headers, authorization }, signal: this.signal, redirect: 'follow' });
    let res: Response;
    try {
      const known = this.bearer.get(scope);
      res = await go(known ? `Bearer ${known}` : this.basic);
      // A registry with token auth (Artifact Registry's own) names where to get one.
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (res.status === 401 && /^Bearer /i.test(challenge)) {
        const bearer = await this.fetchBearer(challenge, scope);
        this.bearer.set(scope, bearer);
        res = await go(`Bearer ${bearer}`);
      }
    } catch (e) {
      if (e instanceof PctlError) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new PctlError({
        code: 'RegistryUnreachable',
        message: `Artifact Registry ${method} ${this.host}${path}: the registry does not answer (${cause?.code ?? cause?.message ?? (e as Error).message})`,
        fault: 'environment',
        exitCode: 1,
        hint: 'check the network, or provider.options.registryHost / registryLocation',
      });
    }
    return res;
  }

  private async fetchBearer(challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw new PctlError({ code: 'RegistryAuthFailed', message: `Artifact Registry ${this.host}: a token challenge without a realm`, fault: 'environment', exitCode: 1 });
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', scope);
    const res = await fetch(url, { headers: { authorization: this.basic }, signal: this.signal });
    if (!res.ok) throw await registryError(res, 'getting a registry token from', this.host);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const t = body.token ?? body.access_token;
    if (!t) throw new PctlError({ code: 'RegistryAuthFailed', message: `Artifact Registry ${this.host}: the token endpoint returned no token`, fault: 'environment', exitCode: 1 });
    return t;
  }

  /** The manifest digest of name:tag, or undefined when the tag does not exist. */
  async digest(name: string, tag: string, actions = 'pull'): Promise<string | undefined> {
    const res = await this.send('HEAD', `/v2/${name}/manifests/${tag}`, `repository:${name}:${actions}`, { accept: MANIFEST_TYPES });
    if (res.status === 404) return undefined;
    if (!res.ok) throw await registryError(res, 'checking', `${this.host}/${name}:${tag}`);
    return res.headers.get('docker-content-digest') ?? 'present';
  }

  /** Deletes the manifest name:tag points at; 'unsupported' when the registry refuses deletes. */
  async deleteTag(name: string, tag: string): Promise<'deleted' | 'gone' | 'unsupported'> {
    const digest = await this.digest(name, tag, 'pull,delete');
    if (!digest) return 'gone';
    if (digest === 'present') return 'unsupported';
    const res = await this.send('DELETE', `/v2/${name}/manifests/${digest}`, `repository:${name}:pull,delete`);
    if (res.status === 404) return 'gone';
    if (res.status === 405) return 'unsupported';
    if (!res.ok) {
      const err = await registryError(res, 'deleting', `${this.host}/${name}:${tag}`);
      if (/UNSUPPORTED/.test(err.message)) return 'unsupported';
      throw err;
    }
    return 'deleted';
  }
}

async function registryError(res: Response, what: string, subject: string): Promise<PctlError> {
  const text = await res.text().catch(() => '');
  let said = text.split('\n')[0]?.slice(0, 300) || res.statusText;
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[]; error?: { status?: string; message?: string } };
    const e = body.errors?.[0];
    if (e) said = `${e.code ?? ''}${e.code && e.message ? ': ' : ''}${e.message ?? ''}`;
    else if (body.error?.message) said = `${body.error.status ?? ''} ${body.error.message}`.trim();
  } catch {
    /* not JSON */
  }
  return new PctlError({
    code: res.status === 401 || res.status === 403 ? 'RegistryForbidden' : 'RegistryApiError',
    message: `Artifact Registry ${what} ${subject}: ${res.status} ${said}`,
    fault: 'environment',
    exitCode: 1,
    hint: res.status === 401 || res.status === 403 ? 'the credentials need roles/artifactregistry.writer on the repository (and it must exist: gcloud artifacts repositories create)' : undefined,
  });
}
