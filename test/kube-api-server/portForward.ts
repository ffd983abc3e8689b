// pods/portforward: TCP connections to the pod's IP, framed as Kubernetes clients expect. Two framings:
// - SPDY (portforward.k8s.io), raw or tunnelled in WebSocket (kubectl 1.31+ asks for `SPDY/3.1+portforward.k8s.io`): per
//   forwarded connection the client opens an error stream and a data stream sharing a `requestID` header, with `port`.
// - WebSocket channels (v4.channel.k8s.io / portforward.k8s.io, as @kubernetes/client-node speaks it): ports from the
//   query, channel 2i carries port i's data and 2i+1 its errors; the server's first message on each is the port (uint16 LE).
import { connect, type Socket } from 'node:net';
import type { ContainerRuntime } from './runtime/containerRuntime.js';
import type { SpdySession, SpdyStream } from './spdy.js';
import type { KubeObject } from './store.js';
import type { WebSocketConnection } from './websocket.js';

export const PORT_FORWARD_SPDY = 'portforward.k8s.io';
export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';
export const PORT_FORWARD_WS_PROTOCOLS = ['v4.channel.k8s.io', 'portforward.k8s.io'];

function forwardError(pod: KubeObject, port: number, message: string): string {
  return `error forwarding port ${port} to pod ${pod.metadata.name}, uid ${pod.metadata.uid}: ${message}`;
}

/** Serve SPDY port-forward streams until the session closes. */
export function servePortForwardSpdy(rt: ContainerRuntime, pod: KubeObject, session: SpdySession): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream; socket?: Socket }>();
  session.on('stream', (s: SpdyStream) => {
    const requestId = s.headers.requestid ?? String(s.id);
    const pair = pairs.get(requestId) ?? {};
    pairs.set(requestId, pair);
    if (s.headers.streamtype === 'error') pair.error = s;
    else if (s.headers.streamtype === 'data') pair.data = s;
    else return s.reset();
    s.on('reset', () => {
      pair.socket?.destroy();
      pairs.delete(requestId);
    });
    if (!pair.error || !pair.data) return;
    const port = Number(s.headers.port);
    const { error, data } = pair;
    const finish = (message?: string): void => {
      if (message) error.write(Buffer.from(forwardError(pod, port, message)));
      error.end();
      data.end();
    };
    let ip: string;
    try {
      ip = rt.podIP(pod);
    } catch (e) {
      return finish((e as Error).message);
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) return finish(`invalid port ${s.headers.port}`);
    const socket = connect({ host: ip, port });
    pair.socket = socket;
    let connected = false;
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (d: Buffer) => data.write(d));
    socket.on('end', () => finish());
    socket.on('error', (e) =>
      finish(connected ? undefined : `failed to connect to ${ip}:${port} inside the pod: ${e.message}`),
    );
    data.on('data', (d: Buffer) => socket.write(d));
    data.on('end', () => socket.end());
  });
  session.on('close', () => {
    for (const p of pairs.values()) p.socket?.destroy();
    pairs.clear();
  });
}

/** Serve the WebSocket channel framing for the ports in the query until the socket closes. */
export function servePortForwardWs(
  rt: ContainerRuntime,
  pod: KubeObject,
  ports: number[],
  ws: WebSocketConnection,
): void {
  const send = (channel: number, data: Buffer) => ws.send(Buffer.concat([Buffer.from([channel]), data]));
  let ip = '';
  try {
    ip = rt.podIP(pod);
  } catch {
    // Reported per port below.
  }
  const sockets = ports.map((port, i) => {
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    send(2 * i, prefix);
    send(2 * i + 1, prefix);
    if (!ip) {
      send(2 * i + 1, Buffer.from(forwardError(pod, port, 'the pod has no IP yet')));
      return undefined;
    }
    const socket = connect({ host: ip, port });
    socket.on('data', (d: Buffer) => send(2 * i, d));
    socket.on('error', (e) => send(2 * i + 1, Buffer.from(forwardError(pod, port, e.message))));
    socket.on('close', () => {
      if (sockets.every((x) => !x || x.destroyed)) ws.close(1000);
    });
    return socket;
  });
  ws.on('message', (msg: Buffer) => {
    const channel = msg[0];
    if (channel === undefined || channel % 2 === 1) return;
    sockets[channel / 2]?.write(msg.subarray(1));
  });
  ws.on('close', () => {
    for (const s of sockets) s?.destroy();
  });
}
