// Reaching a cluster: the user's kubeconfig (KUBECONFIG or ~/.kube/config) and a context,
// through @kubernetes/client-node. pctl needs no kubectl. API errors become PctlErrors
// naming the object and the server's own message; none is swallowed.
// The client library loads only when a cluster is spoken to (connect): plan, validate and
// render of a Kubernetes stack never pay for it.
import type * as KubeSdk from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObjectApi, KubernetesObject } from '@kubernetes/client-node';
import { PctlError } from '@pctl/core';
import type { KubeObject } from './types.js';

export interface ClusterTarget {
  /** kubeconfig context to use (default: the current one). */
  context?: string;
  /** A kubeconfig file (default: KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** Said in errors: how to get that context (e.g. "kind create cluster --name pctl"). */
  hint?: string;
}

export const FIELD_MANAGER = 'pctl';

let sdk: typeof KubeSdk | undefined;

// @kubernetes/client-node, imported on first use.
export async function loadKubeSdk(): Promise<typeof KubeSdk> {
  return (sdk ??= await import('@kubernetes/client-node'));
}

function loadedSdk(): typeof KubeSdk {
  if (!sdk)
    throw new PctlError({ code: 'InternalError', message: 'the Kubernetes client was used before loadKubeSdk()' });
  return sdk;
}

export function describeObject(o: { kind: string; metadata: { name?: string; namespace?: string } }): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''}`;
}

/** An API error as one clear line: what was done, to what, and what the server said. */
export function kubeError(e: unknown, what: string, hint?: string): PctlError {
  if (e instanceof PctlError) return e;
  // No ApiException can exist before the client library loaded.
  if (sdk && e instanceof sdk.ApiException) {
    let reason = '';
    let message = String(e.message).split('\n')[0] ?? '';
    try {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
      if (body?.message) message = body.message;
      if (body?.reason) reason = body.reason;
    } catch {
      /* body is not a Status */
    }
    return new PctlError({
      code:
        e.code === 404
          ? 'KubeNotFound'
          : e.code === 409
            ? 'KubeConflict'
            : e.code === 401 || e.code === 403
              ? 'KubeForbidden'
              : 'KubeApiError',
      message: `${what}: ${e.code}${reason ? ` ${reason}` : ''}: ${message}`,
      fault: e.code === 422 || e.code === 400 ? 'user' : 'environment',
      exitCode: 1,
      hint: e.code === 401 || e.code === 403 ? 'check the kubeconfig credentials and RBAC of that user' : hint,
    });
  }
  const err = e as NodeJS.ErrnoException;
  const text = String(err?.message ?? e);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up|certificate/i.test(`${err?.code ?? ''} ${text}`)) {
    return new PctlError({
      code: 'KubeUnreachable',
      message: `${what}: the cluster does not answer (${text.split('\n')[0]})`,
      fault: 'environment',
      exitCode: 1,
      hint: hint ?? 'check that the cluster runs and the kubeconfig points at it',
    });
  }
  return new PctlError({
    code: 'KubeApiError',
    message: `${what}: ${text.split('\n')[0]}`,
    fault: 'environment',
    exitCode: 1,
    hint,
  });
}

export const isNotFound = (e: unknown): boolean =>
  (sdk !== undefined && e instanceof sdk.ApiException && e.code === 404) ||
  (e instanceof PctlError && e.code === 'KubeNotFound');

const isUnauthorized = (e: unknown): boolean => sdk !== undefined && e instanceof sdk.ApiException && e.code === 401;

export class KubeClient {
  readonly objects: KubernetesObjectApi;
  constructor(
    readonly kc: KubeConfig,
    readonly contextName: string,
    readonly hint?: string,
    /** Drops a cached bearer token (see provider/token.ts): a 401 is then retried once with a new one. */
    private readonly renewCredentials?: () => void,
  ) {
    this.objects = loadedSdk().KubernetesObjectApi.makeApiClient(kc);
  }

  // A token the server no longer takes (expired early, clock skew) is renewed once, not fatal.
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      if (!this.renewCredentials || !isUnauthorized(e)) throw e;
      this.renewCredentials();
      return await request();
    }
  }

  /** The cluster's name in the kubeconfig (recorded in state as `cluster`). */
  get clusterName(): string {
    return this.kc.getContextObject(this.contextName)?.cluster ?? this.contextName;
  }

  async read<T extends KubeObject>(
    o: Pick<KubeObject, 'apiVersion' | 'kind'> & { metadata: { name: string; namespace?: string } },
  ): Promise<T | undefined> {
    try {
      return (await this.call(() =>
        this.objects.read(o as KubernetesObject & { metadata: { name: string } }),
      )) as unknown as T;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw kubeError(e, `reading ${describeObject(o)}`, this.hint);
    }
  }

  async create(o: KubeObject): Promise<KubeObject> {
    try {
      return (await this.call(() => this.objects.create(o as KubernetesObject))) as unknown as KubeObject;
    } catch (e) {
      throw kubeError(e, `creating ${describeObject(o)}`, this.hint);
    }
  }

  /**
   * Server-side apply as field manager `pctl`, taking over fields others set (`force`).
   * `dryRun`: the server answers with the object as the apply would leave it, and stores nothing.
   */
  async apply(o: KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    try {
      return (await this.call(() =>
        this.objects.patch(
          o as KubernetesObject,
          undefined,
          opts.dryRun ? 'All' : undefined,
          FIELD_MANAGER,
          true,
          loadedSdk().PatchStrategy.ServerSideApply,
        ),
      )) as unknown as KubeObject;
    } catch (e) {
      throw kubeError(e, `${opts.dryRun ? 'trying (dry run) to apply' : 'applying'} ${describeObject(o)}`, this.hint);
    }
  }

  /** Replaces an object's managedFields (a merge patch naming the resourceVersion it read: a write in between is a KubeConflict). */
  async setManagedFields(o: KubeObject, managedFields: unknown[]): Promise<void> {
    const patch = {
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: {
        name: o.metadata.name,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        resourceVersion: o.metadata.resourceVersion,
        managedFields,
      },
    };
    try {
      await this.call(() =>
        this.objects.patch(
          patch as unknown as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          undefined,
          loadedSdk().PatchStrategy.MergePatch,
        ),
      );
    } catch (e) {
      throw kubeError(e, `taking sole ownership of ${describeObject(o)}`, this.hint);
    }
  }

  /** Deletes; true when it was there. Pods and dependents go in the background. */
  async delete(
    o: Pick<KubeObject, 'apiVersion' | 'kind'> & { metadata: { name: string; namespace?: string } },
    propagationPolicy = 'Background',
    gracePeriodSeconds?: number,
  ): Promise<boolean> {
    try {
      await this.call(() =>
        this.objects.delete(
          o as KubernetesObject,
          undefined,
          undefined,
          gracePeriodSeconds,
          undefined,
          propagationPolicy,
        ),
      );
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw kubeError(e, `deleting ${describeObject(o)}`, this.hint);
    }
  }

  /** Lists a kind in one namespace or, without one, in all; an unknown kind lists nothing. */
  async list(apiVersion: string, kind: string, labelSelector: string, namespace?: string): Promise<KubeObject[]> {
    try {
      const r = await this.call(() =>
        this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
      );
      return (r.items as unknown as KubeObject[]).map((i) => ({ ...i, apiVersion, kind }));
    } catch (e) {
      // A kind the server does not serve (a CRD since removed) has nothing of ours.
      if (
        isNotFound(e) ||
        /Unrecognized API version and kind|unable to find resource/i.test(String((e as Error)?.message))
      )
        return [];
      throw kubeError(e, `listing ${kind}${namespace ? ` in ${namespace}` : ''}`, this.hint);
    }
  }
}

/** Loads the kubeconfig the usual way and picks the context; a missing one is a clear error. */
export async function connect(target: ClusterTarget): Promise<KubeClient> {
  const { KubeConfig } = await loadKubeSdk();
  const kc = new KubeConfig();
  const source = target.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
  try {
    if (target.kubeconfig) kc.loadFromFile(target.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new PctlError({
      code: 'KubeconfigInvalid',
      message: `cannot read the kubeconfig ${source}: ${(e as Error).message.split('\n')[0]}`,
      fault: 'user',
      hint: 'point KUBECONFIG at a readable kubeconfig (default ~/.kube/config)',
    });
  }
  const context = target.context ?? kc.getCurrentContext();
  if (!context || !kc.getContextObject(context)) {
    const known = kc.getContexts().map((c) => c.name);
    throw new PctlError({
      code: 'KubeContextMissing',
      message: `no context ${context ? `"${context}"` : '(none is current)'} in the kubeconfig ${source}${known.length ? ` (it has: ${known.join(', ')})` : ''}`,
      fault: 'user',
      hint: target.hint ?? 'set provider.options.context, or KUBECONFIG to a kubeconfig that has it',
    });
  }
  kc.setCurrentContext(context);
  return new KubeClient(kc, context, target.hint);
}
