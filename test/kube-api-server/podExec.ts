// pods/exec over WebSocket (v4.channel.k8s.io, v5.channel.k8s.io): a `docker exec` in the pod's container, its streams on
// channels 0 stdin, 1 stdout, 2 stderr, 3 the final Status (exit code as kubectl reads it), 4 terminal resizes; v5 adds the
// close signal (255) that ends stdin.
import type Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';
import { containerNameFor } from './podLog.js';
import type { ContainerRuntime } from './runtime/containerRuntime.js';
import { demuxer } from './runtime/multiplex.js';
import type { KubeObject } from './store.js';
import type { WebSocketConnection } from './websocket.js';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

// The exec subprotocols an API server of `gitVersion` agrees to: v5 came with Kubernetes 1.30;
// older servers answer a client offering v5 and v4 with v4 (the end of stdin then has no message).
export function execProtocolsOf(gitVersion: string): string[] {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  const older = m !== null && (Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 30));
  return older ? ['v4.channel.k8s.io'] : EXEC_PROTOCOLS;
}
// The channels of exec and attach: 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 resizes; 255 (v5) closes one.
export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

/** What exec and attach both read from the query: the container and which streams. */
export interface StreamRequest {
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ExecRequest extends StreamRequest {
  command: string[];
}

/** The container and the stream flags (stdin, stdout, stderr, tty as booleans), as the API server reads them. */
export function streamRequest(pod: KubeObject, q: URLSearchParams): StreamRequest {
  const flag = (k: string) => ['true', '1'].includes(q.get(k) ?? '');
  return {
    container: containerNameFor(pod, q.get('container')),
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
  };
}

/** Read the exec query as the API server does (`command` repeated; stdin, stdout, stderr, tty as booleans). */
export function execRequest(pod: KubeObject, q: URLSearchParams): ExecRequest {
  return { ...streamRequest(pod, q), command: q.getAll('command') };
}

function statusFor(code: number, command: string[]): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function failure(message: string): object {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

/** Run the exec and pump it through `ws` until the process ends, then send its Status and close normally. */
export async function serveExec(
  rt: ContainerRuntime,
  pod: KubeObject,
  r: ExecRequest,
  ws: WebSocketConnection,
): Promise<void> {
  const send = (channel: number, data: Buffer | string) =>
    ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  let exec: Dockerode.Exec | undefined;
  let stream: Duplex | undefined;
  // The client writes stdin as soon as the upgrade is answered: hold it until the exec is attached.
  const early: Buffer[] = [];
  ws.on('message', (msg: Buffer) => (stream && exec ? onMessage(r, ws, stream, exec, msg) : early.push(msg)));
  ws.on('close', () => stream?.destroy());
  try {
    if (r.command.length === 0) throw new Error('you must specify at least one command for the container');
    const { id } = rt.container(pod, r.container);
    exec = await rt.docker.getContainer(id).exec({
      Cmd: r.command,
      AttachStdin: r.stdin,
      AttachStdout: r.stdout,
      AttachStderr: r.stderr,
      Tty: r.tty,
    });
    stream = (await exec.start({ hijack: true, stdin: r.stdin, Tty: r.tty })) as Duplex;
  } catch (e) {
    send(
      ERROR,
      JSON.stringify(failure(`Internal error occurred: error executing command in container: ${(e as Error).message}`)),
    );
    ws.close(1000);
    return;
  }
  for (const msg of early.splice(0)) onMessage(r, ws, stream, exec, msg);
  const out = r.tty ? (d: Buffer) => send(STDOUT, d) : demuxer((s, d) => send(s === 2 ? STDERR : STDOUT, d));
  const attached = stream;
  await new Promise<void>((resolve) => {
    attached.on('data', (d: Buffer) => out(d));
    attached.on('end', resolve);
    attached.on('close', resolve);
    attached.on('error', resolve);
  });
  if (!ws.isOpen) return;
  let code = -1;
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect().catch(() => undefined);
    if (info && !info.Running) {
      code = info.ExitCode ?? -1;
      break;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  send(
    ERROR,
    JSON.stringify(
      code === -1
        ? failure('Internal error occurred: the exec did not report an exit code')
        : statusFor(code, r.command),
    ),
  );
  ws.close(1000);
}

/** One client message: stdin, a resize, or (v5) the end of stdin. */
function onMessage(r: ExecRequest, ws: WebSocketConnection, stream: Duplex, exec: Dockerode.Exec, msg: Buffer): void {
  if (msg.length === 0) return;
  const channel = msg[0];
  const data = msg.subarray(1);
  if (channel === STDIN && r.stdin) stream.write(data);
  else if (channel === RESIZE && r.tty) {
    try {
      const size = JSON.parse(data.toString()) as { Width?: number; Height?: number };
      if (size.Width && size.Height) void exec.resize({ w: size.Width, h: size.Height }).catch(() => undefined);
    } catch {
      // A malformed resize is dropped, as the kubelet does.
    }
  } else if (channel === CLOSE && ws.protocol.startsWith('v5') && data[0] === STDIN) {
    (stream as Duplex & { end(): void }).end();
  }
}
