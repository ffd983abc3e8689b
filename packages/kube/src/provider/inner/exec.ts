// `pctl exec` on Kubernetes: pods/exec over a WebSocket (`v5.channel.k8s.io`, else the
// older channel protocols, as kubectl 1.30+): channel 0 carries stdin up, 1 and 2 stdout
// and stderr down byte for byte (one merged stream with a TTY), 3 the final Status whose
// `ExitCode` cause is the command's exit code, 4 terminal sizes (`-t`: the size now and each
// change); with v5 the message [255, 0] ends stdin, so `cat` sees EOF.
import { PctlError, type ExecOutcome, type ExecParams } from '@pctl/core';
import { part, pickPod, serviceContainer, type ServicePods } from './pods.js';
import { channelMessage, channelSocket, type ChannelSocket } from './request.js';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The exit code a Status reports: 0 on Success, the `ExitCode` cause on NonZeroExitCode. */
export function exitCodeOf(s: ExecStatus): number | undefined {
  if (s.status === 'Success') return 0;
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = cause?.message !== undefined ? Number(cause.message) : Number.NaN;
  return s.reason === 'NonZeroExitCode' && Number.isInteger(n) ? n : undefined;
}

// Runs the command in one running pod of the service; resolves with its exit code.
export async function kubeExec(sp: ServicePods, p: ExecParams): Promise<ExecOutcome> {
  const pod = await pickPod(sp, p.replica);
  const name = pod.metadata.name;
  const container = serviceContainer(sp, pod);
  const what = `running ${JSON.stringify(p.command[0])} in pod ${sp.namespace}/${name}`;
  const tty = Boolean(p.tty);
  const q = new URLSearchParams();
  for (const arg of p.command) q.append('command', arg);
  q.set('container', container);
  q.set('stdin', String(Boolean(p.stdin)));
  q.set('stdout', 'true');
  q.set('stderr', String(!tty));
  q.set('tty', String(tty));
  const { status, closed, protocol, stdinEndedOnV4 } = await channelStreams(
    sp.client,
    `/api/v1/namespaces/${part(sp.namespace)}/pods/${part(name)}/exec?${q}`,
    what,
    p,
  );
  if (p.signal.aborted) return { replica: name, exitCode: 130 };
  const code = status && exitCodeOf(status);
  if (code !== undefined) return { replica: name, exitCode: code };
  throw new PctlError({
    code: 'KubeApiError',
    message: status
      ? `${what}: ${status.reason ?? status.status ?? 'Failure'}: ${status.message ?? 'no message'}`
      : stdinEndedOnV4
        ? `${what}: the API server speaks only ${protocol || 'an old exec protocol'}, which cannot end stdin without closing the connection: the command's exit code is unknown`
        : `${what}: the connection closed (${closed.code}${closed.reason ? ` ${closed.reason}` : ''}) before the command's exit status came`,
    fault: 'environment',
    exitCode: 1,
    hint: stdinEndedOnV4
      ? 'Kubernetes 1.30 and later speak v5.channel.k8s.io, which can'
      : 'check that the pod still runs (pctl status) and the API server answers',
  });
}

/** What a stream session over channels (pods/exec, pods/attach) ended with. */
export interface ChannelOutcome {
  /** The Status of channel 3, if one came. */
  status?: ExecStatus;
  closed: { code: number; reason: string };
  protocol: string;
  /** stdin ended on a protocol before v5: the connection was closed to say so. */
  stdinEndedOnV4: boolean;
}

/**
 * Opens the channel WebSocket at `path` and wires the caller's streams to it: stdin up
 * (ended with the v5 close message), stdout and stderr down byte for byte (a slow reader
 * holds the socket), the terminal's size and its changes; resolves once the server closed
 * it (or `signal` aborted, which closes it).
 */
export async function channelStreams(
  client: ServicePods['client'],
  path: string,
  what: string,
  p: Pick<ExecParams, 'stdin' | 'stdout' | 'stderr' | 'tty' | 'signal'>,
): Promise<ChannelOutcome> {
  let status: ExecStatus | undefined;
  let paused = 0;
  let ws: ChannelSocket | undefined;
  // A slow reader (a pipe to a file) holds the socket until it drained.
  const write = (to: NodeJS.WritableStream, b: Buffer) => {
    if (to.write(b)) return;
    if (paused++ === 0) ws?.pause?.();
    to.once('drain', () => {
      if (--paused === 0) ws?.resume?.();
    });
  };
  ws = await channelSocket(client, path, what, (ch, data) => {
    if (ch === STDOUT) write(p.stdout, data);
    else if (ch === STDERR) write(p.stderr, data);
    else if (ch === STATUS) {
      try {
        status = JSON.parse(data.toString('utf8')) as ExecStatus;
      } catch {
        status = { status: 'Failure', message: `an unreadable status: ${data.toString('utf8').slice(0, 200)}` };
      }
    }
  });
  const socket = ws;
  const v5 = socket.protocol === 'v5.channel.k8s.io';
  const resize = (size: { rows: number; columns: number }) =>
    socket.send(channelMessage(RESIZE, Buffer.from(JSON.stringify({ Width: size.columns, Height: size.rows }))));
  if (p.tty) resize(p.tty);
  const unresize = p.tty?.onResize(resize);
  let stdinEndedOnV4 = false;
  const stdin = p.stdin;
  const onData = (d: Buffer | string) => {
    stdin!.pause();
    socket.send(channelMessage(STDIN, Buffer.isBuffer(d) ? d : Buffer.from(d)), () => stdin!.resume());
  };
  const onEnd = () => {
    if (v5) socket.send(Buffer.from([CLOSE, STDIN]));
    else {
      // Before v5 the end of stdin has no message: only closing the connection says it, which loses the exit status.
      stdinEndedOnV4 = true;
      socket.close(1000);
    }
  };
  if (stdin) {
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  }
  const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
    const onAbort = () => socket.close(1000);
    if (p.signal.aborted) onAbort();
    p.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('close', (code, reason) => {
      p.signal.removeEventListener('abort', onAbort);
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  unresize?.();
  if (stdin) {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
  }
  return { status, closed, protocol: socket.protocol, stdinEndedOnV4 };
}
