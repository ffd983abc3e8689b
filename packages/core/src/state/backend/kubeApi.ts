// The Kubernetes API of a kubernetes state backend: the kubeconfig (KUBECONFIG or
// ~/.kube/config) and its context through @kubernetes/client-node, loaded on first use
// (`pctl --help` never loads it), which also signs every request (tokens, client
// certificates, exec plugins such as aws eks get-token). Requests carry the exact JSON
// pctl builds (a Lease's MicroTime with its six digits), and the server's answers become
// pctl's errors, each one line naming what was done.
import http from 'node:http';
import https from 'node:https';
import type { KubernetesStateConfig } from '../../config/stateSchema.js';
import { PctlError } from '../../errors.js';

export interface KubeAnswer {
  status: number;
  body: Record<string, any>;
}

export interface KubeApi {
  context: string;
  namespace: string;
  server: string;
  /** One request; a network failure is a StateEndpointUnreachable, an HTTP error is returned as it is. */
  request(method: string, path: string, body?: unknown): Promise<KubeAnswer>;
}

const apis = new Map<string, Promise<KubeApi>>();

// One API per context and namespace, made once per process.
export function kubeApiFor(cfg: KubernetesStateConfig): Promise<KubeApi> {
  const id = JSON.stringify([process.env.KUBECONFIG ?? '', cfg.context ?? '', cfg.namespace ?? '']);
  let p = apis.get(id);
  if (!p) {
    p = connect(cfg);
    apis.set(id, p);
    p.catch(() => apis.delete(id));
  }
  return p;
}

async function connect(cfg: KubernetesStateConfig): Promise<KubeApi> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const source = process.env.KUBECONFIG || '~/.kube/config';
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new PctlError({
      code: 'KubeconfigInvalid',
      message: `state: cannot read the kubeconfig ${source}: ${(e as Error).message.split('\n')[0]}`,
      fault: 'user',
      hint: 'point KUBECONFIG at a readable kubeconfig (default ~/.kube/config)',
    });
  }
  const context = cfg.context ?? kc.getCurrentContext();
  const ctx = context ? kc.getContextObject(context) : null;
  if (!context || !ctx) {
    const known = kc.getContexts().map((c) => c.name);
    throw new PctlError({
      code: 'KubeContextMissing',
      message: `state: no context ${context ? JSON.stringify(context) : '(none is current)'} in the kubeconfig ${source}${known.length ? ` (it has: ${known.join(', ')})` : ''}`,
      fault: 'user',
      exitCode: 2,
      hint: 'set state.context (or ?context= in the state URL), or KUBECONFIG to a kubeconfig that has it',
    });
  }
  kc.setCurrentContext(context);
  const server = kc.getCurrentCluster()?.server;
  if (!server)
    throw new PctlError({
      code: 'KubeconfigInvalid',
      message: `state: the context ${JSON.stringify(context)} in ${source} names no cluster server`,
      fault: 'user',
    });
  const base = new URL(server);
  const namespace = cfg.namespace ?? (ctx.namespace || 'default');
  // One TLS session for the run's requests (a lock renewal every few seconds, a write per service).
  const agent = base.protocol === 'http:' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true });
  const request = async (method: string, path: string, body?: unknown): Promise<KubeAnswer> => {
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
    const text = body === undefined ? undefined : JSON.stringify(body);
    // Content-Length always: Node sends a DELETE's body unframed otherwise.
    const length = { 'Content-Length': String(text === undefined ? 0 : Buffer.byteLength(text)) };
    const opts: https.RequestOptions = {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: {
        Accept: 'application/json',
        ...length,
        ...(text === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      timeout: 30_000,
      agent,
    };
    await kc.applyToHTTPSOptions(opts);
    try {
      return await send(url.protocol === 'http:' ? http : https, opts, text);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new PctlError({
        code: 'StateEndpointUnreachable',
        message: `state: the Kubernetes API server ${server} (context ${context}) does not answer (${err.code ?? 'error'}: ${err.message.split('\n')[0]})`,
        fault: 'environment',
        exitCode: 1,
        hint: 'check that the cluster runs and the kubeconfig points at it',
      });
    }
  };
  return { context, namespace, server, request };
}

function send(mod: typeof http | typeof https, opts: https.RequestOptions, text?: string): Promise<KubeAnswer> {
  return new Promise((resolve, reject) => {
    const req = mod.request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, any> = {};
        try {
          parsed = raw ? (JSON.parse(raw) as Record<string, any>) : {};
        } catch {
          parsed = { message: raw.slice(0, 200) };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in 30s'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(text);
  });
}

// The pctl error of an answer the caller does not handle itself.
export function kubeFailure(a: KubeAnswer, what: string, api: KubeApi): PctlError {
  const message = String(a.body.message ?? `HTTP ${a.status}`).split('\n')[0];
  const where = `(context ${api.context}, namespace ${api.namespace})`;
  if (a.status === 401 || a.status === 403) {
    return new PctlError({
      code: 'StateAccessDenied',
      message: `${what} ${where}: ${a.status === 401 ? 'the credentials were not accepted' : 'access denied'} (${message})`,
      fault: 'environment',
      exitCode: 1,
      hint: `the user needs get, create, update and delete on secrets and leases (coordination.k8s.io) in the namespace ${api.namespace} (docs/using/state.md)`,
    });
  }
  if (a.status === 404 && a.body.details?.kind === 'namespaces') {
    return new PctlError({
      code: 'KubeNotFound',
      message: `${what} ${where}: the namespace ${api.namespace} does not exist`,
      fault: 'user',
      exitCode: 1,
      hint: `create it (kubectl create namespace ${api.namespace}) or fix state.namespace`,
    });
  }
  return new PctlError({
    code: 'KubeApiError',
    message: `${what} ${where}: ${a.status}${a.body.reason ? ` ${a.body.reason}` : ''}: ${message}`,
    fault: 'environment',
    exitCode: 1,
  });
}

// `.../namespaces/<ns>/<plural>[/<name>]` of a core (v1) or grouped resource.
export function resourcePath(api: KubeApi, groupVersion: string, plural: string, name?: string, query = ''): string {
  const base = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
  const ns = encodeURIComponent(api.namespace);
  return `${base}/namespaces/${ns}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}${query}`;
}
