// A registry through its Docker Registry HTTP API v2 (what `docker push` and `docker pull`
// speak): Basic auth with the given credentials, or the registry's Bearer token flow when it
// asks for one. Does a tag exist, delete a tag, and read an image's configuration (its
// filesystem layers and run settings) without pulling it.
import { createHash } from 'node:crypto';
import { PctlError } from '../errors.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const IMAGE_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const MANIFEST_TYPES = [...INDEX_TYPES, ...IMAGE_TYPES].join(', ');
// An image configuration is small; a bigger answer is not one.
const MAX_JSON = 4 * 1024 * 1024;

/** Docker reaches loopback registries over plain HTTP; everything else over HTTPS. */
export function registryBase(host: string): string {
  const h = host.replace(/:\d+$/, '');
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(h) ? `http://${host}` : `https://${host}`;
}

export interface ImageName {
  host: string;
  /** Repository path below the host, e.g. my-project/pctl/shop-api. */
  name: string;
  /** A tag, or a digest (`sha256:…`) for `name@sha256:…`. */
  tag: string;
}

/** `host/name:tag` or `host/name@sha256:…` (the host is the part before the first `/`). */
export function parseImage(ref: string): ImageName {
  const slash = ref.indexOf('/');
  const host = ref.slice(0, slash);
  const rest = ref.slice(slash + 1);
  const at = rest.indexOf('@');
  if (at >= 0) return { host, name: rest.slice(0, at), tag: rest.slice(at + 1) };
  const colon = rest.lastIndexOf(':');
  return colon < 0
    ? { host, name: rest, tag: 'latest' }
    : { host, name: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}

/** What an image runs: its filesystem layers (uncompressed digests) and its configuration. */
export interface RemoteImage {
  digest?: string;
  os?: string;
  architecture?: string;
  diffIds: string[];
  config: Record<string, unknown>;
}

export interface RegistryApiOptions {
  host: string;
  credentials?: RegistryCredentials;
  signal?: AbortSignal;
  /** How messages name the registry (default `registry <host>`), e.g. `Artifact Registry`. */
  label?: string;
  /** Said with a 401 or 403. */
  forbiddenHint?: string;
  /** Said when the registry does not answer. */
  unreachableHint?: string;
}

export class RegistryApi {
  private bearer = new Map<string, string>();
  constructor(private readonly o: RegistryApiOptions) {}

  private get label(): string {
    return this.o.label ?? 'registry';
  }

  private get basic(): string | undefined {
    const c = this.o.credentials;
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  private async send(
    method: string,
    path: string,
    scope: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const url = `${registryBase(this.o.host)}${path}`;
    // fetch drops the authorization header on a redirect to another origin (a blob store's signed URL).
    const go = (authorization: string | undefined) =>
      fetch(url, {
        method,
        headers: { ...headers, ...(authorization ? { authorization } : {}) },
        signal: this.o.signal,
        redirect: 'follow',
      });
    let res: Response;
    try {
      const known = this.bearer.get(scope);
      res = await go(known ? `Bearer ${known}` : this.basic);
      // A registry with token auth names where to get one.
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (res.status === 401 && /^Bearer /i.test(challenge)) {
        await res.body?.cancel();
        const bearer = await this.fetchBearer(challenge, scope);
        this.bearer.set(scope, bearer);
        res = await go(`Bearer ${bearer}`);
      }
    } catch (e) {
      if (e instanceof PctlError) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new PctlError({
        code: 'RegistryUnreachable',
        message: `${this.label} ${method} ${this.o.host}${path}: the registry does not answer (${cause?.code ?? cause?.message ?? (e as Error).message})`,
        fault: 'environment',
        exitCode: 1,
        hint: this.o.unreachableHint ?? 'check the network and the registry host',
      });
    }
    return res;
  }

  private async fetchBearer(challenge: string, scope: string): Promise<string> {
    const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm)
      throw new PctlError({
        code: 'RegistryAuthFailed',
        message: `${this.label} ${this.o.host}: a token challenge without a realm`,
        fault: 'environment',
        exitCode: 1,
      });
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', scope);
    const basic = this.basic;
    const res = await fetch(url, { headers: basic ? { authorization: basic } : {}, signal: this.o.signal });
    if (!res.ok) throw await this.error(res, 'getting a registry token from', this.o.host);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const t = body.token ?? body.access_token;
    if (!t)
      throw new PctlError({
        code: 'RegistryAuthFailed',
        message: `${this.label} ${this.o.host}: the token endpoint returned no token`,
        fault: 'environment',
        exitCode: 1,
      });
    return t;
  }

  /** The manifest digest of name:tag, or undefined when the tag does not exist. */
  async digest(name: string, tag: string, actions = 'pull'): Promise<string | undefined> {
    const res = await this.send('HEAD', `/v2/${name}/manifests/${tag}`, `repository:${name}:${actions}`, {
      accept: MANIFEST_TYPES,
    });
    if (res.status === 404) return undefined;
    if (!res.ok) throw await this.error(res, 'checking', `${this.o.host}/${name}:${tag}`);
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
      const err = await this.error(res, 'deleting', `${this.o.host}/${name}:${tag}`);
      if (/UNSUPPORTED/.test(err.message)) return 'unsupported';
      throw err;
    }
    return 'deleted';
  }

  // A JSON document of the registry, checked against the digest it is asked by.
  private async json(
    path: string,
    name: string,
    subject: string,
    accept?: string,
    digest?: string,
  ): Promise<{ body: Record<string, unknown>; type: string; digest?: string } | undefined> {
    const res = await this.send('GET', path, `repository:${name}:pull`, accept ? { accept } : {});
    if (res.status === 404) return undefined;
    if (!res.ok) throw await this.error(res, 'reading', subject);
    const bytes = Buffer.from(await res.arrayBuffer());
    const bad = (why: string) =>
      new PctlError({
        code: 'RegistryApiError',
        message: `${this.label} reading ${subject}: ${why}`,
        fault: 'environment',
        exitCode: 1,
      });
    if (bytes.length > MAX_JSON) throw bad(`an answer of ${bytes.length} bytes`);
    const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (digest?.startsWith('sha256:') && got !== digest) throw bad(`the content does not match its digest ${digest}`);
    try {
      const body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
      return {
        body,
        type: (body.mediaType as string | undefined) ?? res.headers.get('content-type') ?? '',
        digest: res.headers.get('docker-content-digest') ?? got,
      };
    } catch {
      throw bad('the answer is not a JSON document');
    }
  }

  /**
   * What `name:tag` runs, read from its manifest and configuration blob; for a multi-platform
   * index, the image of `platform` (default linux/amd64). Undefined when the tag or the
   * platform is not there.
   */
  async image(
    name: string,
    tag: string,
    platform: { os?: string; architecture?: string } = {},
  ): Promise<RemoteImage | undefined> {
    const subject = `${this.o.host}/${name}:${tag}`;
    let m = await this.json(
      `/v2/${name}/manifests/${tag}`,
      name,
      subject,
      MANIFEST_TYPES,
      tag.startsWith('sha256:') ? tag : undefined,
    );
    if (!m) return undefined;
    if (INDEX_TYPES.includes(m.type) || Array.isArray(m.body.manifests)) {
      const want = { os: platform.os ?? 'linux', architecture: platform.architecture ?? 'amd64' };
      const entry = (
        m.body.manifests as { digest?: string; platform?: { os?: string; architecture?: string } }[] | undefined
      )?.find((e) => e.platform?.os === want.os && e.platform?.architecture === want.architecture);
      if (!entry?.digest) return undefined;
      m = await this.json(
        `/v2/${name}/manifests/${entry.digest}`,
        name,
        `${subject} (${want.os}/${want.architecture})`,
        MANIFEST_TYPES,
        entry.digest,
      );
      if (!m) return undefined;
    }
    const configDigest = (m.body.config as { digest?: string } | undefined)?.digest;
    if (!configDigest)
      throw new PctlError({
        code: 'RegistryApiError',
        message: `${this.label} reading ${subject}: the manifest names no image configuration`,
        fault: 'environment',
        exitCode: 1,
      });
    const c = await this.json(
      `/v2/${name}/blobs/${configDigest}`,
      name,
      `${subject} (its configuration ${configDigest})`,
      undefined,
      configDigest,
    );
    if (!c) return undefined;
    const rootfs = c.body.rootfs as { diff_ids?: unknown } | undefined;
    return {
      digest: m.digest,
      os: c.body.os as string | undefined,
      architecture: c.body.architecture as string | undefined,
      diffIds: Array.isArray(rootfs?.diff_ids) ? rootfs.diff_ids.map(String) : [],
      config: (c.body.config as Record<string, unknown> | undefined) ?? {},
    };
  }

  private async error(res: Response, what: string, subject: string): Promise<PctlError> {
    const text = await res.text().catch(() => '');
    let said = text.split('\n')[0]?.slice(0, 300) || res.statusText;
    try {
      const body = JSON.parse(text) as {
        errors?: { code?: string; message?: string }[];
        error?: { status?: string; message?: string };
      };
      const e = body.errors?.[0];
      if (e) said = `${e.code ?? ''}${e.code && e.message ? ': ' : ''}${e.message ?? ''}`;
      else if (body.error?.message) said = `${body.error.status ?? ''} ${body.error.message}`.trim();
    } catch {
      /* not JSON */
    }
    const forbidden = res.status === 401 || res.status === 403;
    return new PctlError({
      code: forbidden ? 'RegistryForbidden' : 'RegistryApiError',
      message: `${this.label} ${what} ${subject}: ${res.status} ${said}`,
      fault: 'environment',
      exitCode: 1,
      hint: forbidden ? this.o.forbiddenHint : undefined,
    });
  }
}

/** The run settings of an image configuration that change what a container does (labels and builder bookkeeping left out). */
export function runSettings(config: Record<string, unknown> | undefined): Record<string, unknown> {
  const keys = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'StopSignal', 'Shell'];
  const empty = (v: unknown) =>
    v === undefined ||
    v === null ||
    v === '' ||
    (Array.isArray(v) && !v.length) ||
    (typeof v === 'object' && v !== null && !Object.keys(v).length);
  return Object.fromEntries(keys.filter((k) => !empty(config?.[k])).map((k) => [k, config![k]]));
}
