// The `kubernetes` backend: the state in a Secret `pctl-state-<stack>` (type
// pctl.dev/state.v1, the envelope gzipped under `state`, as Helm keeps its releases),
// replaced with its resourceVersion as precondition (created when there is none), so a
// lost race is a StateConflict and never a silent overwrite; the lock a Lease beside it
// (kubeLease.ts). A Secret of that name that pctl did not write is refused and kept.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubernetesStateConfig } from '../../config/stateSchema.js';
import { PctlError } from '../../errors.js';
import type { StateFile } from '../types.js';
import { decodeState, encodeState } from './envelope.js';
import { kubeApiFor, kubeFailure, resourcePath, type KubeApi } from './kubeApi.js';
import { acquireLease, leaseName, unlockLease } from './kubeLease.js';
import type { BackendLock, BackendLockOptions, StateBackend, UnlockedLock, VersionedState } from './types.js';

export const SECRET_TYPE = 'pctl.dev/state.v1';
const DATA_KEY = 'state';
/** The API server refuses a Secret whose data is larger than 1 MiB. */
const MAX_SECRET_DATA = 1024 * 1024;

export const secretName = (stack: string) => `pctl-state-${stack}`;

export class KubernetesBackend implements StateBackend {
  readonly kind = 'kubernetes' as const;
  readonly where: string;
  constructor(
    readonly cfg: KubernetesStateConfig,
    private readonly stack: string,
    /** How long a Lease lives without renewal (tests shorten it). */
    private readonly leaseSeconds = 60,
  ) {
    this.where = `kubernetes://${cfg.namespace ?? ''}/secrets/${secretName(stack)}${cfg.context ? `?context=${encodeURIComponent(cfg.context)}` : ''}`;
    // The client loads while the run reads the stack (its errors surface on first use).
    kubeApiFor(cfg).catch(() => undefined);
  }

  private async api(): Promise<KubeApi> {
    return kubeApiFor(this.cfg);
  }

  private path(api: KubeApi, query = ''): string {
    return resourcePath(api, 'v1', 'secrets', secretName(this.stack), query);
  }

  async read(): Promise<VersionedState> {
    const api = await this.api();
    const a = await api.request('GET', this.path(api));
    if (a.status === 404) return { state: {}, version: undefined };
    if (a.status !== 200) throw kubeFailure(a, `reading the state ${this.where}`, api);
    return { state: this.decode(a.body), version: String(a.body.metadata?.resourceVersion ?? '') };
  }

  private decode(secret: Record<string, any>): StateFile {
    const fix =
      'it is not a state pctl wrote: give this stack another namespace (state.namespace), or move that Secret';
    const data = secret.data?.[DATA_KEY];
    if (secret.type !== SECRET_TYPE || typeof data !== 'string') {
      throw new PctlError({
        code: 'StateInvalid',
        message: `state ${this.where} is not a pctl state (a Secret of type ${JSON.stringify(secret.type)}${typeof data === 'string' ? '' : ` without data.${DATA_KEY}`}); it was left as it is`,
        fault: 'user',
        exitCode: 1,
        hint: fix,
      });
    }
    let text: string;
    try {
      text = gunzipSync(Buffer.from(data, 'base64')).toString('utf8');
    } catch (e) {
      throw new PctlError({
        code: 'StateCorrupt',
        message: `state ${this.where} is not a gzipped state (${(e as Error).message}); it was left as it is`,
        fault: 'user',
        exitCode: 1,
        hint: 'restore it from a backup, or rebuild it with `pctl state recover`',
      });
    }
    return decodeState(text, this.stack, this.where);
  }

  private secret(api: KubeApi, state: StateFile, resourceVersion?: string): Record<string, unknown> {
    const data = gzipSync(encodeState(this.stack, state, this.where)).toString('base64');
    if (data.length > MAX_SECRET_DATA) {
      throw new PctlError({
        code: 'StateTooLarge',
        message: `state ${this.where} would be ${data.length} bytes, more than the ${MAX_SECRET_DATA} a Secret can hold; it was left as it is`,
        fault: 'tool',
        exitCode: 1,
        hint: 'keep this stack on another backend (s3, gcs)',
      });
    }
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName(this.stack),
        namespace: api.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'pctl', 'pctl.dev/state-of': this.stack },
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      type: SECRET_TYPE,
      data: { [DATA_KEY]: data },
    };
  }

  // A dry-run write: refuses a state the credentials may not write before anything is deployed.
  async checkWritable(): Promise<void> {
    const api = await this.api();
    const now = await api.request('GET', this.path(api));
    const a =
      now.status === 200
        ? await api.request('PUT', this.path(api, '?dryRun=All'), now.body)
        : await api.request('POST', resourcePath(api, 'v1', 'secrets', undefined, '?dryRun=All'), this.secret(api, {}));
    if (a.status === 401 || a.status === 403 || (a.status === 404 && a.body.details?.kind === 'namespaces'))
      throw kubeFailure(a, `writing the state ${this.where}`, api);
  }

  async write(state: StateFile, expected: string | undefined): Promise<string> {
    const api = await this.api();
    const body = this.secret(api, state, expected);
    const a =
      expected === undefined
        ? await api.request('POST', resourcePath(api, 'v1', 'secrets', undefined, '?fieldManager=pctl'), body)
        : await api.request('PUT', this.path(api, '?fieldManager=pctl'), body);
    if (a.status === 200 || a.status === 201) return String(a.body.metadata?.resourceVersion ?? '');
    // 409: created meanwhile (AlreadyExists) or replaced meanwhile (Conflict); 404: deleted meanwhile.
    if (a.status === 409 || (a.status === 404 && a.body.details?.kind === 'secrets')) {
      throw new PctlError({
        code: 'StateConflict',
        message: `state ${this.where} was changed by someone else since this run read it (${a.body.reason ?? a.status}); nothing was written over it`,
        fault: 'environment',
        exitCode: 1,
        hint: 'another run wrote the state without holding the stack lock: run again (pctl reads the new state)',
      });
    }
    throw kubeFailure(a, `writing the state ${this.where}`, api);
  }

  lock(opts: BackendLockOptions): Promise<BackendLock> {
    return this.api().then((api) => acquireLease(api, leaseName(this.stack), opts, this.leaseSeconds));
  }

  unlock(opts: { force: boolean }): Promise<UnlockedLock> {
    return this.api().then((api) => unlockLease(api, leaseName(this.stack), opts));
  }

  // A Secret keeps no earlier versions (the API server keeps none either).
  async history(): Promise<undefined> {
    return undefined;
  }

  async remove(version: string | undefined): Promise<boolean> {
    if (version === undefined) return true;
    const api = await this.api();
    const a = await api.request('DELETE', this.path(api), {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { resourceVersion: version },
    });
    if (a.status === 409 || a.status === 404) return false;
    if (a.status !== 200 && a.status !== 202) throw kubeFailure(a, `removing the state ${this.where}`, api);
    return true;
  }
}
