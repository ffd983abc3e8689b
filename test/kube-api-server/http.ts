// The HTTP face of the test server: routing kube-apiserver URLs to the cluster, Status errors, watches.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, methodNotAllowed, unauthorized } from './errors.js';
import type { Cluster, DeleteOptions } from './cluster.js';
import { isPlainObject } from './jsonValue.js';
import { acceptsJson, notAcceptable, parseBody, patchTypeOf, readBody } from './requestBody.js';
import { servePodLog } from './podLog.js';
import { pathNotFound, send } from './respond.js';
import type { ContainerRuntime } from './runtime/containerRuntime.js';
import { tableVersionWanted, toTable } from './table.js';
import { prefersOpenApiV2Protobuf, sendOpenApiV2Protobuf, serveOpenApi } from './openapiHttp.js';
import { validateFields } from './fieldValidation.js';
import {
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  findByPlural,
  groupVersion,
  type ResourceType,
} from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { ChangeEvent, KubeObject } from './store.js';

/** One request as the server saw it, for assertions. */
export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  fieldManager?: string;
  status: number;
  userAgent?: string;
  /** The WebSocket subprotocol agreed to (pods/exec). */
  subprotocol?: string;
}

/** A fault to inject: matching requests get this error instead of being served. */
export interface Fault {
  method?: string;
  /** Substring of, or pattern for, the URL path. */
  path?: string | RegExp;
  code: number;
  reason?: string;
  message?: string;
  /** How many requests to fail; unlimited when omitted. */
  times?: number;
  retryAfterSeconds?: number;
}

export interface HttpContext {
  cluster: Cluster;
  token: string;
  serverAddress: () => string;
  requests: RequestRecord[];
  faults: Fault[];
  watches: Set<ServerResponse>;
  gitVersion: string;
  /** Accepts a bearer token; default: only `token`. */
  authenticate?: (bearer: string) => boolean | Promise<boolean>;
  /** The Docker-backed kubelet, once started: pods/log then comes from the containers. */
  runtime?: () => ContainerRuntime | undefined;
}

const faultReasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

interface Route {
  t: ResourceType;
  ns?: string;
  name?: string;
  sub?: string;
  watch: boolean;
}

/** Map /api/v1/... and /apis/<group>/<version>/... to a resource, namespace, name and subresource. */
function route(segs: string[]): Route | undefined {
  let group = '';
  let rest: string[];
  let version: string;
  if (segs[0] === 'api') {
    version = segs[1];
    rest = segs.slice(2);
  } else {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  }
  let watch = false;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const t = findByPlural(group, version, rest[2]);
    if (t?.namespaced) return { t, ns: rest[1], name: rest[3], sub: rest[4], watch };
  }
  const t = findByPlural(group, version, rest[0]);
  if (!t) return undefined;
  return { t, name: rest[1], sub: rest[2], watch };
}

function encodeContinue(rv: string, after: string): string {
  return Buffer.from(JSON.stringify({ rv, after })).toString('base64url');
}

function listKind(t: ResourceType): string {
  return `${t.kind}List`;
}

/** Lists leave out items' apiVersion/kind, as the real server does for built-in types. */
function asListItem(o: KubeObject): KubeObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest as KubeObject;
}

function deleteOptionsFrom(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = isPlainObject(body) ? body : {};
  const policy = (q.get('propagationPolicy') ?? b.propagationPolicy) as DeleteOptions['propagationPolicy'] | undefined;
  const orphan = q.get('orphanDependents') ?? (b.orphanDependents as boolean | undefined);
  const graceQ = q.get('gracePeriodSeconds');
  const grace = graceQ !== null ? Number(graceQ) : (b.gracePeriodSeconds as number | undefined);
  const dryRun = q.getAll('dryRun').includes('All') || (Array.isArray(b.dryRun) && b.dryRun.includes('All'));
  return {
    propagationPolicy:
      policy ??
      (orphan === true || orphan === 'true'
        ? 'Orphan'
        : orphan === false || orphan === 'false'
          ? 'Background'
          : undefined),
    gracePeriodSeconds: grace,
    preconditions: b.preconditions as DeleteOptions['preconditions'],
    dryRun,
  };
}

function userAgentManager(ua: string | undefined): string {
  // The real server derives a default field manager from the User-Agent prefix.
  return (ua ?? 'unknown').split('/')[0] || 'unknown';
}

export function makeHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      contentType: req.headers['content-type'],
      fieldManager: url.searchParams.get('fieldManager') ?? undefined,
      status: 0,
      userAgent: req.headers['user-agent'],
    };
    ctx.requests.push(record);
    const origWriteHead = res.writeHead.bind(res);
    res.writeHead = ((code: number, ...rest: unknown[]) => {
      record.status = code;
      return (origWriteHead as (...a: unknown[]) => ServerResponse)(code, ...rest);
    }) as typeof res.writeHead;
    serve(ctx, req, res, url).catch((e: unknown) => {
      const err =
        e instanceof ApiError
          ? e
          : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error)?.stack ?? String(e)}`);
      if (!res.headersSent) send(res, err.code, err.toStatus());
      else res.end();
    });
  };
}

async function serve(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const open = ['/version', '/healthz', '/livez', '/readyz'].includes(path);
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!open && !(bearer !== undefined && (ctx.authenticate ? await ctx.authenticate(bearer) : bearer === ctx.token)))
    throw unauthorized();

  const fault = ctx.faults.find(
    (f) =>
      (!f.method || f.method.toUpperCase() === method) &&
      (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path))) &&
      (f.times === undefined || f.times > 0),
  );
  if (fault) {
    if (fault.times !== undefined) fault.times--;
    const err = new ApiError(
      fault.code,
      fault.reason ?? faultReasons[fault.code] ?? 'InternalError',
      fault.message ?? `injected fault ${fault.code}`,
      fault.retryAfterSeconds !== undefined ? { retryAfterSeconds: fault.retryAfterSeconds } : undefined,
    );
    if (fault.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(fault.retryAfterSeconds));
    send(res, err.code, err.toStatus());
    return;
  }

  if (path === '/version') {
    send(res, 200, {
      major: '1',
      minor: ctx.gitVersion.split('.')[1],
      gitVersion: ctx.gitVersion,
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2025-01-01T00:00:00Z',
      goVersion: 'go1.23.0',
      compiler: 'gc',
      platform: 'linux/amd64',
    });
    return;
  }
  if (open) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
    return;
  }
  const segs = path.split('/').filter(Boolean);
  if (path === '/openapi/v2' && method === 'GET' && prefersOpenApiV2Protobuf(req.headers.accept))
    return sendOpenApiV2Protobuf(res);
  // Everything past here answers JSON (pod logs aside); a client that takes none of it gets 406, not a body it cannot read.
  if (!acceptsJson(req.headers.accept) && segs[segs.length - 1] !== 'log') throw notAcceptable();
  if (segs[0] === 'openapi' && method === 'GET')
    return serveOpenApi(res, segs.slice(1).join('/'), url.searchParams.get('hash'));
  if (method === 'GET') {
    if (path === '/api') return send(res, 200, apiVersions(ctx.serverAddress()));
    if (path === '/apis') return send(res, 200, apiGroupList());
    if (segs[0] === 'api' && segs.length === 2) return sendOr404(res, apiResourceList('', segs[1]));
    if (segs[0] === 'apis' && segs.length === 2) return sendOr404(res, apiGroupDoc(segs[1]));
    if (segs[0] === 'apis' && segs.length === 3) return sendOr404(res, apiResourceList(segs[1], segs[2]));
  }
  if ((segs[0] !== 'api' && segs[0] !== 'apis') || segs.length < 3) throw pathNotFound();
  const r = route(segs);
  if (!r) throw pathNotFound();
  const q = url.searchParams;
  const ns = r.t.namespaced ? r.ns : undefined;
  if (r.t.namespaced && r.name !== undefined && r.ns === undefined) throw pathNotFound();
  const contentType = (req.headers['content-type'] ?? 'application/json').toLowerCase();
  const expectedKind = method === 'DELETE' ? 'DeleteOptions' : r.sub === 'scale' ? 'Scale' : r.t.kind;
  const body = method === 'GET' ? undefined : parseBody(await readBody(req), contentType, expectedKind);
  if (
    (method === 'POST' || method === 'PUT' || method === 'PATCH') &&
    !contentType.startsWith('application/json-patch+json')
  ) {
    const gvk = r.sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : r.t;
    const isApply = method === 'PATCH' && contentType.startsWith('application/apply-patch');
    const warnings = validateFields(
      body,
      gvk,
      q.get('fieldValidation'),
      isApply && r.name !== undefined ? { namespace: ns, name: r.name } : undefined,
    );
    if (warnings.length)
      res.setHeader(
        'Warning',
        warnings.map((w) => `299 - ${JSON.stringify(w)}`),
      );
  }
  const dryRun = q.getAll('dryRun').includes('All');
  const fieldManager = q.get('fieldManager') ?? undefined;
  const table = method === 'GET' ? tableVersionWanted(req.headers.accept) : undefined;
  const cluster = ctx.cluster;

  if (r.sub !== undefined && !['status', 'scale', 'log', 'finalize'].includes(r.sub)) throw pathNotFound();
  if (r.sub === 'scale' && !r.t.scale) throw pathNotFound();
  if (r.sub === 'status' && !r.t.status) throw pathNotFound();

  if (r.name === undefined) {
    if (method === 'GET') {
      if (r.watch || q.get('watch') === 'true' || q.get('watch') === '1')
        return watch(ctx, req, res, r.t, ns, q, table);
      return sendList(ctx, res, r.t, ns, q, table);
    }
    if (method === 'POST') {
      if (r.t.namespaced && ns === undefined) throw methodNotAllowed();
      const created = cluster.create(r.t, ns, body, {
        fieldManager: fieldManager ?? userAgentManager(req.headers['user-agent']),
        dryRun,
      });
      return send(res, 201, created);
    }
    if (method === 'DELETE') {
      const items = cluster.list(r.t, ns, {
        labelSelector: q.get('labelSelector'),
        fieldSelector: q.get('fieldSelector'),
      });
      const opts = deleteOptionsFrom(q, body);
      const out: KubeObject[] = [];
      for (const it of items) {
        const d = cluster.delete(r.t, it.metadata.namespace, it.metadata.name ?? '', opts);
        out.push(d.object ?? it);
      }
      return send(res, 200, {
        kind: listKind(r.t),
        apiVersion: groupVersion(r.t),
        metadata: { resourceVersion: cluster.store.currentResourceVersion },
        items: out.map(asListItem),
      });
    }
    throw methodNotAllowed();
  }

  const name = r.name;
  if (r.sub === 'log') {
    if (method !== 'GET') throw methodNotAllowed();
    const pod = cluster.get(r.t, ns, name);
    const rt = ctx.runtime?.();
    if (rt) return servePodLog(rt, pod, q, res);
    const container = q.get('container') ?? pod.spec?.containers?.[0]?.name;
    const c = (pod.spec?.containers ?? []).find((x: { name: string }) => x.name === container);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(c ? `[kube-api-server] container ${c.name} started from image ${c.image}\n` : '');
    return;
  }
  switch (method) {
    case 'GET': {
      if (r.watch || q.get('watch') === 'true') {
        q.set('fieldSelector', [q.get('fieldSelector'), `metadata.name=${name}`].filter(Boolean).join(','));
        return watch(ctx, req, res, r.t, ns, q, table);
      }
      const obj = cluster.get(r.t, ns, name);
      if (table && r.sub === undefined)
        return send(
          res,
          200,
          toTable(r.t, [obj], table, { resourceVersion: obj.metadata.resourceVersion }, q.get('includeObject')),
        );
      return send(res, 200, r.sub === 'scale' ? cluster.scaleOf(obj) : obj);
    }
    case 'PUT': {
      if (r.sub === 'finalize') {
        const obj = cluster.update(r.t, ns, name, body, { fieldManager, dryRun });
        return send(res, 200, obj);
      }
      const obj = cluster.update(r.t, ns, name, body, {
        fieldManager: fieldManager ?? userAgentManager(req.headers['user-agent']),
        dryRun,
        subresource: r.sub,
      });
      return send(res, 200, obj);
    }
    case 'PATCH': {
      const type = patchTypeOf(contentType);
      const forceQ = q.get('force');
      const { object, created } = cluster.patch(r.t, ns, name, type, body, {
        fieldManager: fieldManager ?? (type === 'apply' ? undefined : userAgentManager(req.headers['user-agent'])),
        force: forceQ === null ? undefined : forceQ === 'true',
        dryRun,
        subresource: r.sub,
      });
      return send(res, created ? 201 : 200, object);
    }
    case 'DELETE': {
      const d = cluster.delete(r.t, ns, name, deleteOptionsFrom(q, body));
      return send(res, 200, d.object ?? d.status);
    }
    default:
      throw methodNotAllowed();
  }
}

function sendOr404(res: ServerResponse, doc: object | undefined): void {
  if (!doc) throw pathNotFound();
  send(res, 200, doc);
}

function sendList(
  ctx: HttpContext,
  res: ServerResponse,
  t: ResourceType,
  ns: string | undefined,
  q: URLSearchParams,
  table?: string,
): void {
  let items = ctx.cluster.list(t, ns, { labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') });
  const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const cont = q.get('continue');
  let rv = ctx.cluster.store.currentResourceVersion;
  if (cont) {
    let parsed: { rv: string; after: string };
    try {
      parsed = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { rv: string; after: string };
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data');
    }
    items = items.filter((o) => keyOf(o) > parsed.after);
    rv = parsed.rv;
  }
  const limit = Number(q.get('limit') ?? 0);
  const metadata: Record<string, unknown> = { resourceVersion: rv };
  if (limit > 0 && items.length > limit) {
    const page = items.slice(0, limit);
    metadata.continue = encodeContinue(rv, keyOf(page[page.length - 1]));
    metadata.remainingItemCount = items.length - limit;
    items = page;
  }
  if (table) return send(res, 200, toTable(t, items, table, metadata, q.get('includeObject')));
  send(res, 200, { kind: listKind(t), apiVersion: groupVersion(t), metadata, items: items.map(asListItem) });
}

/** `?watch=true`: newline-delimited JSON watch events until the client goes away or timeoutSeconds passes. */
function watch(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  t: ResourceType,
  ns: string | undefined,
  q: URLSearchParams,
  table?: string,
): void {
  const byLabel = parseLabelSelector(q.get('labelSelector'));
  const byField = parseFieldSelector(q.get('fieldSelector'));
  const matches = (o: KubeObject): boolean =>
    (ns === undefined || !t.namespaced || o.metadata.namespace === ns) &&
    byLabel(o.metadata.labels ?? {}) &&
    byField(o);
  const store = ctx.cluster.store;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache',
  });
  // Send headers now: clients wait for them before reading events, and there may be none for a while.
  res.flushHeaders();
  // A watch asked for as a Table (kubectl get -w) carries a one-row Table per event.
  const write = (type: string, object: unknown): void => {
    const o =
      table && type !== 'ERROR'
        ? toTable(
            t,
            [object as KubeObject],
            table,
            { resourceVersion: (object as KubeObject).metadata.resourceVersion },
            q.get('includeObject'),
          )
        : object;
    res.write(`${JSON.stringify({ type, object: o })}\n`);
  };
  // An object modified into or out of the selector is ADDED or DELETED for this watch, as on a real server.
  function deliver(e: ChangeEvent): void {
    if (e.resource !== t) return;
    const now = matches(e.object);
    const before = e.type === 'MODIFIED' && e.previous ? matches(e.previous) : now;
    if (now && before) write(e.type, e.object);
    else if (now) write('ADDED', e.object);
    else if (before) write('DELETED', e.object);
  }
  const rvParam = q.get('resourceVersion');
  let lastSent = 0;
  if (!rvParam || rvParam === '0') {
    for (const o of ctx.cluster.list(t, ns, {})) if (matches(o)) write('ADDED', o);
    lastSent = Number(store.currentResourceVersion);
  } else {
    const changes = store.changesSince(Number(rvParam));
    if (!changes) {
      write(
        'ERROR',
        new ApiError(
          410,
          'Expired',
          `too old resource version: ${rvParam} (${store.oldestWatchableVersion})`,
        ).toStatus(),
      );
      res.end();
      return;
    }
    for (const e of changes) deliver(e);
    lastSent = Number(store.currentResourceVersion);
  }
  const onChange = (e: ChangeEvent): void => {
    if (e.rv > lastSent) deliver(e);
  };
  const unsubscribe = store.subscribe(onChange);
  ctx.watches.add(res);
  const timeout = Number(q.get('timeoutSeconds') ?? 0);
  const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
  const stop = (): void => {
    unsubscribe();
    if (timer) clearTimeout(timer);
    ctx.watches.delete(res);
  };
  req.on('close', stop);
  res.on('close', stop);
  res.on('finish', stop);
}
