// pods/attach over WebSocket (v4.channel.k8s.io, v5.channel.k8s.io): a `docker attach` to the pod's running container, on
// the channels of exec (0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 resizes; v5's close signal ends stdin). As the
// kubelet's, it streams from the moment of attaching (what the container wrote before is in its log only) until the
// container's streams end; the Status says Success (the exit code is in the pod's status).
import type { Duplex } from 'node:stream';
import { CLOSE, ERROR, RESIZE, STDERR, STDIN, STDOUT, streamRequest, type StreamRequest } from './podExec.js';
import type { ContainerRuntime } from './runtime/containerRuntime.js';
import { demuxer } from './runtime/multiplex.js';
import type { KubeObject } from './store.js';
import type { WebSocketConnection } from './websocket.js';

export type AttachRequest = StreamRequest;

export const attachRequest = streamRequest;

/** Attach and pump the container's streams through `ws` until they end, then send Success and close normally. */
export async function serveAttach(
  rt: ContainerRuntime,
  pod: KubeObject,
  r: AttachRequest,
  ws: WebSocketConnection,
): Promise<void> {
  const send = (channel: number, data: Buffer | string) =>
    ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  let stream: Duplex | undefined;
  const early: Buffer[] = [];
  const { id, tty } = rt.container(pod, r.container);
  const container = rt.docker.getContainer(id);
  const onMessage = (msg: Buffer) => {
    if (msg.length === 0 || !stream) return;
    const data = msg.subarray(1);
    if (msg[0] === STDIN && r.stdin) stream.write(data);
    else if (msg[0] === RESIZE && r.tty) {
      try {
        const size = JSON.parse(data.toString()) as { Width?: number; Height?: number };
        if (size.Width && size.Height) void container.resize({ w: size.Width, h: size.Height }).catch(() => undefined);
      } catch {
        // A malformed resize is dropped, as the kubelet does.
      }
    } else if (msg[0] === CLOSE && ws.protocol.startsWith('v5') && data[0] === STDIN) stream.end();
  };
  ws.on('message', (msg: Buffer) => (stream ? onMessage(msg) : early.push(msg)));
  ws.on('close', () => stream?.destroy());
  try {
    stream = (await container.attach({
      stream: true,
      stdin: r.stdin,
      stdout: r.stdout,
      stderr: r.stderr,
      hijack: true,
    })) as Duplex;
  } catch (e) {
    send(
      ERROR,
      JSON.stringify({
        metadata: {},
        status: 'Failure',
        message: `Internal error occurred: error attaching to container: ${(e as Error).message}`,
        reason: 'InternalError',
        code: 500,
      }),
    );
    ws.close(1000);
    return;
  }
  for (const msg of early.splice(0)) onMessage(msg);
  const out = tty ? (d: Buffer) => send(STDOUT, d) : demuxer((s, d) => send(s === 2 ? STDERR : STDOUT, d));
  const attached = stream;
  await new Promise<void>((resolve) => {
    attached.on('data', (d: Buffer) => out(d));
    attached.on('end', resolve);
    attached.on('close', resolve);
    attached.on('error', resolve);
  });
  if (!ws.isOpen) return;
  send(ERROR, JSON.stringify({ metadata: {}, status: 'Success' }));
  ws.close(1000);
}
