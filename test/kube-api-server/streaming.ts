// Upgrade requests for pods/exec, pods/attach and pods/portforward: authentication, the pod, then WebSocket (or raw SPDY) to the runtime.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from './errors.js';
import type { HttpContext, RequestRecord } from './http.js';
import { attachRequest, serveAttach } from './podAttach.js';
import { execProtocolsOf, execRequest, serveExec } from './podExec.js';
import {
  PORT_FORWARD_SPDY,
  PORT_FORWARD_WS_PROTOCOLS,
  servePortForwardSpdy,
  servePortForwardWs,
  SPDY_TUNNEL_PREFIX,
} from './portForward.js';
import type { ContainerRuntime } from './runtime/containerRuntime.js';
import { SpdySession } from './spdy.js';
import { acceptWebSocket, isWebSocketUpgrade, offeredProtocols, rejectUpgrade } from './websocket.js';

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|portforward|attach)\/?$/;

function fail(socket: Duplex, e: unknown): void {
  const err =
    e instanceof ApiError
      ? e
      : new ApiError(500, 'InternalError', `Internal error occurred: ${(e as Error)?.message ?? String(e)}`);
  rejectUpgrade(socket, err.code, err.message, err.toStatus());
}

/** The server's 'upgrade' listener. Without a runtime with processes, the streaming subresources do not exist (404). */
export function makeUpgradeHandler(
  ctx: HttpContext,
  runtime: () => ContainerRuntime | undefined,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 101,
      userAgent: req.headers['user-agent'],
    };
    ctx.requests.push(record);
    void (async () => {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!(bearer !== undefined && (ctx.authenticate ? await ctx.authenticate(bearer) : bearer === ctx.token))) {
        throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      }
      const m = PATH.exec(url.pathname);
      const rt = runtime();
      if (!m || !rt) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      const [, ns, name, sub] = m;
      const pod = ctx.cluster.get(ctx.cluster.type('Pod'), decodeURIComponent(ns), decodeURIComponent(name));
      const phase = pod.status?.phase as string | undefined;
      if (sub === 'attach') {
        if (phase === 'Succeeded' || phase === 'Failed')
          throw new ApiError(
            400,
            'BadRequest',
            `cannot attach to a container in a completed pod; current phase is ${phase}`,
          );
        if (!isWebSocketUpgrade(req))
          throw new ApiError(400, 'BadRequest', 'attach is served over WebSocket only; upgrade to a WebSocket');
        const r = attachRequest(pod, url.searchParams);
        const ws = acceptWebSocket(req, socket, head, execProtocolsOf(ctx.gitVersion));
        if (ws) await serveAttach(rt, pod, r, ws);
        return;
      }
      if (sub === 'exec') {
        if (phase === 'Succeeded' || phase === 'Failed')
          throw new ApiError(
            400,
            'BadRequest',
            `cannot exec into a container in a completed pod; current phase is ${phase}`,
          );
        const r = execRequest(pod, url.searchParams);
        if (!isWebSocketUpgrade(req))
          throw new ApiError(
            400,
            'BadRequest',
            'exec is served over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io); upgrade to a WebSocket',
          );
        const ws = acceptWebSocket(req, socket, head, execProtocolsOf(ctx.gitVersion));
        if (ws) record.subprotocol = ws.protocol;
        if (ws) await serveExec(rt, pod, r, ws);
        return;
      }
      if (phase !== 'Running')
        throw new ApiError(
          400,
          'BadRequest',
          `unable to forward port because pod is not running. Current status=${phase ?? 'Pending'}`,
        );
      if (isWebSocketUpgrade(req)) {
        const tunnelled = offeredProtocols(req).includes(`${SPDY_TUNNEL_PREFIX}${PORT_FORWARD_SPDY}`);
        if (tunnelled) {
          const ws = acceptWebSocket(req, socket, head, [`${SPDY_TUNNEL_PREFIX}${PORT_FORWARD_SPDY}`]);
          if (!ws) return;
          const session = new SpdySession((frame) => ws.send(frame));
          ws.on('message', (d: Buffer) => session.push(d));
          ws.on('close', () => session.close());
          servePortForwardSpdy(rt, pod, session);
          return;
        }
        const ports = url.searchParams
          .getAll('ports')
          .flatMap((p) => p.split(','))
          .map(Number);
        if (ports.length === 0 || ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
          throw new ApiError(400, 'BadRequest', 'query parameter "port" is required');
        }
        const ws = acceptWebSocket(req, socket, head, PORT_FORWARD_WS_PROTOCOLS);
        if (ws) servePortForwardWs(rt, pod, ports, ws);
        return;
      }
      if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1')
        throw new ApiError(400, 'BadRequest', 'unable to upgrade: missing upgrade headers in request');
      socket.write(
        [
          'HTTP/1.1 101 Switching Protocols',
          'Connection: Upgrade',
          'Upgrade: SPDY/3.1',
          `X-Stream-Protocol-Version: ${PORT_FORWARD_SPDY}`,
          '',
          '',
        ].join('\r\n'),
      );
      const session = new SpdySession((frame) => socket.write(frame));
      socket.on('data', (d: Buffer) => session.push(d));
      socket.on('close', () => session.close());
      servePortForwardSpdy(rt, pod, session);
      if (head.length) session.push(head);
    })().catch((e: unknown) => {
      record.status = e instanceof ApiError ? e.code : 500;
      fail(socket, e);
    });
  };
}
