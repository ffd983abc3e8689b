// Google credentials (Application Default Credentials through google-auth-library, loaded
// only when a gcp service is deployed) and the one GKE call pctl makes: getting a cluster.
// Every Google error becomes one PctlError line: the call, the resource, Google's message.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PctlError } from '@pctl/core';

export const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const CREDENTIALS_HINT =
  'set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run `gcloud auth application-default login`';

export interface TokenSource {
  /** A current OAuth access token (refreshed when it expires). */
  token(): Promise<string>;
  /** The same, with when it expires (ms since the epoch), for the cluster's renewing token. */
  bearer(): Promise<{ token: string; expiresAt?: number }>;
}

// The ADC file google-auth-library will read: GOOGLE_APPLICATION_CREDENTIALS, else gcloud's well-known file.
function adcFile(): string | undefined {
  if (process.env.GOOGLE_APPLICATION_CREDENTIALS) return process.env.GOOGLE_APPLICATION_CREDENTIALS;
  const dir =
    process.env.CLOUDSDK_CONFIG ??
    (process.platform === 'win32'
      ? path.join(process.env.APPDATA ?? '', 'gcloud')
      : path.join(os.homedir(), '.config', 'gcloud'));
  return path.join(dir, 'application_default_credentials.json');
}

// A service-account key's own token endpoint. gcloud and Python's google-auth send the
// JWT-bearer grant to the key's `token_uri`; google-auth-library for Node always uses
// Google's, so pctl points its requests there when the key names another one.
function keyTokenUri(): string | undefined {
  const file = adcFile();
  if (!file) return undefined;
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { type?: string; token_uri?: string };
    if (json.type === 'service_account' && json.token_uri && json.token_uri !== GOOGLE_TOKEN_URL) return json.token_uri;
  } catch {
    /* google-auth-library reports an unreadable file itself */
  }
  return undefined;
}

// google-auth-library logs every request's headers (the bearer token) and every response
// (the token endpoint's access_token) when GOOGLE_SDK_NODE_LOGGING is set, before pctl can
// know the token to mask it. Its logging backend is switched off before it loads.
async function silenceGoogleLogging(): Promise<void> {
  try {
    const require = createRequire(createRequire(import.meta.url).resolve('google-auth-library'));
    (require('google-logging-utils') as { setBackend(b: null): void }).setBackend(null);
  } catch {
    /* no logging package beside google-auth-library: nothing logs */
  }
}

let shared: Promise<TokenSource> | undefined;

/** One credential per process, from Application Default Credentials, scope cloud-platform. */
export function defaultTokenSource(): Promise<TokenSource> {
  shared ??= (async () => {
    await silenceGoogleLogging();
    const { GoogleAuth } = await import('google-auth-library');
    const auth = new GoogleAuth({ scopes: SCOPES });
    let client: Awaited<ReturnType<typeof auth.getClient>>;
    try {
      client = await auth.getClient();
    } catch (e) {
      throw credentialsError(e);
    }
    const tokenUri = keyTokenUri();
    if (tokenUri) {
      client.transporter.interceptors.request.add({
        resolved: async (opts) => {
          if (String(opts.url) === GOOGLE_TOKEN_URL) opts.url = new URL(tokenUri);
          return opts;
        },
      });
    }
    const bearer = async () => {
      try {
        // google-auth-library refreshes a token that expires within five minutes.
        const t = await client.getAccessToken();
        if (!t.token) throw new Error('no access token was returned');
        const expiry = client.credentials.expiry_date;
        return { token: t.token, ...(typeof expiry === 'number' ? { expiresAt: expiry } : {}) };
      } catch (e) {
        throw credentialsError(e);
      }
    };
    return { bearer, token: async () => (await bearer()).token };
  })();
  shared.catch(() => (shared = undefined));
  return shared;
}

function credentialsError(e: unknown): PctlError {
  const err = e as {
    message?: string;
    response?: { status?: number; data?: { error?: string; error_description?: string } };
  };
  const data = err.response?.data;
  const said = data?.error
    ? `${data.error}${data.error_description ? `: ${data.error_description}` : ''}`
    : String(err.message ?? e).split('\n')[0];
  return new PctlError({
    code: 'GcpCredentials',
    message: `getting a Google access token (Application Default Credentials) failed: ${said}`,
    fault: 'environment',
    exitCode: 1,
    hint: CREDENTIALS_HINT,
  });
}

/** The part of a GKE Cluster pctl reads. */
export interface GkeCluster {
  name: string;
  endpoint: string;
  status?: string;
  masterAuth?: { clusterCaCertificate?: string };
}

export class GoogleApiError extends PctlError {
  constructor(
    opts: ConstructorParameters<typeof PctlError>[0],
    readonly status: number,
  ) {
    super(opts);
  }
}

/** A failed Google API response as one line: `<call> <resource>: <code> <STATUS>: <message>`. */
export async function googleError(
  res: Response,
  call: string,
  resource: string,
  hints: Partial<Record<number, string>> = {},
): Promise<GoogleApiError> {
  const text = await res.text().catch(() => '');
  let status = '';
  let message = text.split('\n')[0]?.slice(0, 300) || res.statusText;
  try {
    const body = JSON.parse(text) as {
      error?: { status?: string; message?: string } | string;
      error_description?: string;
    };
    if (typeof body.error === 'object' && body.error) {
      status = body.error.status ?? '';
      if (body.error.message) message = body.error.message;
    } else if (typeof body.error === 'string') {
      status = body.error;
      if (body.error_description) message = body.error_description;
    }
  } catch {
    /* not Google's JSON error */
  }
  const hint =
    hints[res.status] ??
    (res.status === 401
      ? CREDENTIALS_HINT
      : res.status === 403
        ? "check that the credentials' principal has the needed IAM role on the project and that the API is enabled"
        : undefined);
  return new GoogleApiError(
    {
      code:
        res.status === 404 ? 'GcpNotFound' : res.status === 401 || res.status === 403 ? 'GcpForbidden' : 'GcpApiError',
      message: `${call} ${resource}: ${res.status}${status ? ` ${status}` : ''}: ${message}`,
      fault: res.status === 404 || res.status === 400 ? 'user' : 'environment',
      exitCode: 1,
      hint,
    },
    res.status,
  );
}

function unreachable(e: unknown, call: string, resource: string, url: string, override: string): PctlError {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return new PctlError({
    code: 'GcpUnreachable',
    message: `${call} ${resource}: ${new URL(url).host} does not answer (${cause?.code ?? cause?.message ?? (e as Error).message})`,
    fault: 'environment',
    exitCode: 1,
    hint: `check the network, or ${override}`,
  });
}

/** GET `url` of a Google API with the access token: the JSON body, or one line naming the call. */
export async function googleGet<T>(
  url: string,
  token: string,
  call: string,
  resource: string,
  hints: Partial<Record<number, string>>,
  signal?: AbortSignal,
  override = 'provider.options.endpoint / CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER',
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal });
  } catch (e) {
    throw unreachable(e, call, resource, url, override);
  }
  if (!res.ok) throw await googleError(res, call, resource, hints);
  return (await res.json()) as T;
}

/** GET projects/{p}/locations/{l}/clusters/{c} of the GKE API (v1). */
export async function getCluster(
  base: string,
  token: string,
  project: string,
  location: string,
  cluster: string,
  signal?: AbortSignal,
): Promise<GkeCluster> {
  const resource = `projects/${project}/locations/${location}/clusters/${cluster}`;
  const c = await googleGet<GkeCluster>(
    `${base}v1/${resource}`,
    token,
    'GKE clusters.get',
    resource,
    {
      403: 'the credentials need container.clusters.get on the project (e.g. roles/container.developer), and the Kubernetes Engine API must be enabled',
      404: `check provider.options project, zone and cluster (gcloud container clusters list --project ${project})`,
    },
    signal,
  );
  if (!c.endpoint) {
    throw new PctlError({
      code: 'GcpClusterNotReady',
      message: `GKE cluster ${resource} has no endpoint yet (status ${c.status ?? 'unknown'})`,
      fault: 'environment',
      exitCode: 1,
      hint: 'wait until the cluster is RUNNING',
    });
  }
  return c;
}
