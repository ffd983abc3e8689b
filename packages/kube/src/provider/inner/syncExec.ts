// One command in one container of a pod through `pods/exec` over WebSocket (client-node's
// Exec: v5.channel.k8s.io, so the end of stdin reaches the command as kubectl cp sends it).
// Sync's own plumbing: the command's output is collected, its exit code read from the
// final Status; a connection that fails or closes without a Status is an error.
import { Writable, type Readable } from 'node:stream';
import { PctlError } from '@pctl/core';
import { kubeError, loadKubeSdk, type KubeClient } from '../../client.js';

export interface PodContainer {
  namespace: string;
  pod: string;
  container: string;
}

// Collects what is written to it, up to 64 KiB (enough for an error message).
function collector(): Writable & { text(): string } {
  const parts: Buffer[] = [];
  let size = 0;
  const w = new Writable({
    write(chunk: Buffer, _e, done) {
      if (size < 65536) parts.push(Buffer.from(chunk));
      size += chunk.length;
      done();
    },
  }) as Writable & { text(): string };
  w.text = () => Buffer.concat(parts).toString('utf8');
  return w;
}

/** Runs `command` (an argument array) in the container with `stdin` as its input; resolves with its exit code and stderr. */
export async function execInPod(
  client: KubeClient,
  at: PodContainer,
  command: string[],
  stdin?: Readable,
): Promise<{ exitCode: number; stderr: string }> {
  const { Exec } = await loadKubeSdk();
  const what = `running ${command[0]} in ${at.namespace}/${at.pod} (${at.container})`;
  const stdout = collector();
  const stderr = collector();
  let status:
    | {
        status?: string;
        reason?: string;
        message?: string;
        details?: { causes?: { reason?: string; message?: string }[] };
      }
    | undefined;
  // The input failing (a file gone while it is packed) ends the command and fails the round.
  let inputFailed: Error | undefined;
  let ws: Awaited<ReturnType<InstanceType<typeof Exec>['exec']>> | undefined;
  stdin?.on('error', (e) => {
    inputFailed = e;
    ws?.close();
  });
  try {
    ws = await new Exec(client.kc).exec(
      at.namespace,
      at.pod,
      at.container,
      command,
      stdout,
      stderr,
      stdin ?? null,
      false,
      (s) => {
        status = s as typeof status;
      },
    );
  } catch (e) {
    stdin?.destroy();
    throw kubeError(e, what, client.hint);
  }
  const open = ws;
  if (inputFailed) open.close();
  await new Promise<void>((resolve, reject) => {
    open.on('close', () => resolve());
    open.on('error', (e: Error) => reject(kubeError(e, what, client.hint)));
  });
  if (inputFailed)
    throw new PctlError({
      code: 'SyncFailed',
      message: `${what}: reading the files to send failed: ${inputFailed.message}`,
      fault: 'environment',
      exitCode: 1,
    });
  if (!status)
    throw new PctlError({
      code: 'KubeApiError',
      message: `${what}: the connection closed before the command's exit status came`,
      fault: 'environment',
      exitCode: 1,
    });
  if (status.status === 'Success') return { exitCode: 0, stderr: stderr.text() };
  const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  if (status.reason === 'NonZeroExitCode' && code !== undefined)
    return { exitCode: Number(code), stderr: stderr.text() };
  throw new PctlError({
    code: 'KubeApiError',
    message: `${what}: ${status.message ?? status.reason ?? 'failed'}`,
    fault: 'environment',
    exitCode: 1,
  });
}
