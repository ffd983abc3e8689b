// The Cloud Storage client of a gcs state backend, loaded on first use (`pctl --help` and
// stacks on other backends never load @google-cloud/storage), and its answers turned into
// pctl's errors. Credentials as for the gcp provider: Application Default Credentials
// (GOOGLE_APPLICATION_CREDENTIALS: a service-account key or an external_account file, else
// gcloud's application-default login, else the metadata server).
import type { Storage } from '@google-cloud/storage';
import type { GcsStateConfig } from '../../config/stateSchema.js';
import { PctlError } from '../../errors.js';

export type GcsCfg = GcsStateConfig & { object: string };

const clients = new Map<string, Promise<Storage>>();

// One client per endpoint, made once per process.
export function gcsFor(cfg: GcsStateConfig): Promise<Storage> {
  const id = cfg.endpoint ?? '';
  let p = clients.get(id);
  if (!p) {
    p = (async () => {
      const { Storage } = await import('@google-cloud/storage');
      return new Storage({
        // Another endpoint still gets the credentials: it is a store, not an unauthenticated emulator.
        ...(cfg.endpoint ? { apiEndpoint: cfg.endpoint.replace(/\/+$/, ''), useAuthWithCustomEndpoint: true } : {}),
        // A store that does not answer fails in seconds, not after minutes of retries.
        retryOptions: { maxRetries: 2, totalTimeout: 30, maxRetryDelay: 2 },
      });
    })();
    clients.set(id, p);
    p.catch(() => clients.delete(id));
  }
  return p;
}

/** A Cloud Storage error's HTTP status, reason and message (a download's message is the JSON body). */
export function gcsErrorOf(e: unknown): { status?: number; reason?: string; message: string } {
  const err = e as { code?: number | string; message?: string; errors?: { reason?: string }[] };
  let message = String(err.message ?? e);
  let reason = err.errors?.[0]?.reason;
  try {
    const body = JSON.parse(message) as { error?: { message?: string; errors?: { reason?: string }[] } };
    if (body.error?.message) {
      message = body.error.message;
      reason ??= body.error.errors?.[0]?.reason;
    }
  } catch {
    /* a plain message */
  }
  return { status: typeof err.code === 'number' ? err.code : undefined, reason, message: message.split('\n')[0]! };
}

/** Whether an error is Cloud Storage's 412 (a generation precondition did not hold). */
export const preconditionFailed = (e: unknown) => gcsErrorOf(e).status === 412;
/** Whether an error is a 404 for the object (not for the bucket). */
export const objectMissing = (e: unknown) => {
  const { status, message } = gcsErrorOf(e);
  return status === 404 && !/bucket does not exist/i.test(message);
};

const NETWORK =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|timed? ?out/i;

// The pctl error of a Cloud Storage call that failed for a reason the caller does not handle itself.
export function gcsFailure(e: unknown, what: string, cfg: GcsCfg, name = cfg.object): PctlError {
  if (e instanceof PctlError) return e;
  const { status, message } = gcsErrorOf(e);
  const where = `gs://${cfg.bucket}/${name}`;
  const code = (e as { code?: unknown }).code;
  if (status === 404 && /bucket does not exist/i.test(message)) {
    return new PctlError({
      code: 'StateBucketMissing',
      message: `${what} ${where}: the bucket ${cfg.bucket} does not exist`,
      fault: 'user',
      exitCode: 1,
      hint: 'create it (with object versioning on, to keep earlier states) or fix state.bucket',
    });
  }
  if (status === 403) {
    return new PctlError({
      code: 'StateAccessDenied',
      message: `${what} ${where}: access denied (${message})`,
      fault: 'environment',
      exitCode: 1,
      hint: `the Google principal needs storage.objects.get, create, delete and list on ${cfg.bucket} (roles/storage.objectUser) (docs/using/state.md)`,
    });
  }
  if (
    status === 401 ||
    /Could not load the default credentials|invalid_grant|unauthorized_client|getting.*token/i.test(message)
  ) {
    return new PctlError({
      code: 'GcpCredentials',
      message: `${what} ${where}: Google refused the credentials (${message})`,
      fault: 'environment',
      exitCode: 1,
      hint: 'set GOOGLE_APPLICATION_CREDENTIALS to a credential file, or run `gcloud auth application-default login`',
    });
  }
  if ((typeof code === 'string' && NETWORK.test(code)) || NETWORK.test(message)) {
    return new PctlError({
      code: 'StateEndpointUnreachable',
      message: `${what} ${where}: the Cloud Storage endpoint${cfg.endpoint ? ` ${cfg.endpoint}` : ''} does not answer (${message})`,
      fault: 'environment',
      exitCode: 1,
      hint: 'check state.endpoint and the network',
    });
  }
  return new PctlError({
    code: 'GcpApiError',
    message: `${what} ${where}: ${status ? `HTTP ${status}: ` : ''}${message}`,
    fault: 'environment',
    exitCode: 1,
  });
}
