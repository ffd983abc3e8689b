// The two kinds of request the inner-loop verbs make beside the object API: a streamed GET
// (pods/log, its body read as it comes) and a WebSocket of channels (pods/exec,
// pods/portforward), both authenticated from the kubeconfig as every other request (TLS
// client certificates, bearer tokens, the renewing token of aws and gcp).
import http from 'node:http';
import https from 'node:https';
import { PassThrough } from 'node:stream';
import { PctlError } from '@pctl/core';
import { kubeError, loadKubeSdk, type KubeClient } from '../../client.js';

/** A failed request as one line: what was asked, the status code and the API server's own message. */
export function statusError(what: string, code: number | undefined, body: string, hint?: string): PctlError {
  let message = body.trim().split('\n')[0] ?? '';
  let reason = '';
  try {
    const s = JSON.parse(body) as { message?: string; reason?: string };
    if (s.message) message = s.message;
    if (s.reason) reason = s.reason;
  } catch {
    /* not a Status */
  }
  return new PctlError({
    code:
      code === 404
        ? 'KubeNotFound'
        : code === 401 || code === 403
          ? 'KubeForbidden'
          : code === 400 && /not found|waiting to start|completed pod/i.test(message)
            ? 'NotRunning'
            : 'KubeApiError',
    message: `${what}: ${code ?? 'no answer'}${reason ? ` ${reason}` : ''}: ${message}`,
    fault: 'environment',
    exitCode: 1,
    hint,
  });
}

/** GET `path` (with its query) and hand back the response body as a stream once the server answered 200. */
export async function streamGet(
  client: KubeClient,
  path: string,
  what: string,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const cluster = client.kc.getCurrentCluster();
  if (!cluster) throw kubeError(new Error('the kubeconfig context names no cluster'), what, client.hint);
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  const opts: https.RequestOptions = {};
  await client.kc.applyToHTTPSOptions(opts as never);
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { ...opts, method: 'GET', signal }, (res) => {
      if (res.statusCode === 200) return resolve(res);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => reject(statusError(what, res.statusCode, body, client.hint)));
      res.on('error', (e) => reject(kubeError(e, what, client.hint)));
    });
    req.on('error', (e) => reject(kubeError(e, what, client.hint)));
    req.end();
  });
}

/** What the inner verbs use of node's `ws` socket the client library opens. */
export interface ChannelSocket {
  /** The subprotocol the server agreed to (`v5.channel.k8s.io`, `v4.channel.k8s.io`, ...). */
  readonly protocol: string;
  readonly readyState: number;
  send(data: Buffer, cb?: (err?: Error) => void): void;
  close(code?: number): void;
  terminate(): void;
  pause?(): void;
  resume?(): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
}

/** A channel message: its channel number and its bytes. */
export type ChannelHandler = (channel: number, data: Buffer) => void;

/**
 * Opens a WebSocket to `path`, offering `v5.channel.k8s.io` first and the older channel
 * protocols after it (the server picks; kubectl 1.30+ does the same), and hands each binary
 * message to `onMessage`. The socket is node's `ws`: `protocol` says which was agreed.
 */
export async function channelSocket(
  client: KubeClient,
  path: string,
  what: string,
  onMessage: ChannelHandler,
): Promise<ChannelSocket> {
  await loadKubeSdk();
  // Not re-exported by the package's index; the same module its Exec and PortForward use.
  const { WebSocketHandler } = await import('@kubernetes/client-node/dist/web-socket-handler.js');
  // Its own streams, not the process's: the handler ends them when the server closes a channel (v5).
  const handler = new WebSocketHandler(client.kc, undefined, {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  });
  try {
    const ws = (await handler.connect(path, null, (channel: number, data: Buffer) => {
      onMessage(channel, data);
      return true;
    })) as unknown as ChannelSocket;
    // Errors after the opening come as a close; without a listener one would be thrown.
    ws.on('error', () => undefined);
    return ws;
  } catch (e) {
    const err = e as { message?: string; error?: Error };
    const text = err?.error?.message ?? err?.message ?? String(e);
    const code = /Unexpected server response: (\d+)/.exec(text)?.[1];
    if (code) throw statusError(what, Number(code), 'the API server refused the connection', client.hint);
    throw kubeError(err?.error ?? e, what, client.hint);
  }
}

/** The bytes of one channel message: the channel number, then the data. */
export function channelMessage(channel: number, data: Buffer): Buffer {
  const b = Buffer.allocUnsafe(data.length + 1);
  b[0] = channel;
  data.copy(b, 1);
  return b;
}
