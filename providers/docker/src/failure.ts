// Why a container counts as failed, in one line: the exit code and the last log line of
// the run that failed (not of the run the restart policy started after it).
import { lastLines, PctlError } from '@pctl/core';
import { pathPart, type Api } from './api.js';
import type { Inspect } from './containers.js';

/** The end of one run of a container, from the engine's `die` event. */
export interface Death {
  exitCode: number;
  /** Engine time of the death, `seconds.nanoseconds` since the epoch (the logs' `until`). */
  at?: string;
}

// The text of a non-TTY log stream: 8-byte frame headers (stream, 0, 0, 0, size) removed.
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && [0, 1, 2].includes(buf[i]!) && buf[i + 1] === 0) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  // Not framed (a TTY container): the bytes are the text.
  return i === 0 && buf.length ? buf.toString('utf8') : Buffer.concat(parts).toString('utf8');
}

// The last log lines of a container, up to a moment (the failed run's end) if given.
export async function logTail(api: Api, name: string, until?: string): Promise<string> {
  const query = `tail=20&stdout=1&stderr=1${until ? `&until=${until}` : ''}`;
  api.log(`GET /containers/${pathPart(name)}/logs?${query}`);
  try {
    const buf = (await api.docker.getContainer(pathPart(name)).logs({
      stdout: true,
      stderr: true,
      tail: 20,
      follow: false,
      ...(until ? { until: until as unknown as number } : {}),
    })) as unknown as Buffer;
    return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).trim();
  } catch {
    // The logs only explain the failure: without them it is still reported.
    return '';
  }
}

// The error of a container that exited, restarted or turned unhealthy.
export async function containerFailure(
  api: Api,
  key: string,
  p: { name: string; state?: Inspect; death?: Death; unhealthy?: boolean },
): Promise<PctlError> {
  const restarts = p.state?.RestartCount ?? 0;
  const text = await logTail(api, p.name, p.death?.at);
  const code = p.death?.exitCode ?? p.state?.State.ExitCode;
  const why = p.unhealthy
    ? 'is unhealthy'
    : `exited with code ${code}${restarts > 0 ? ` (restarted ${restarts}×)` : ''}`;
  return new PctlError({
    code: 'ContainerFailed',
    exitCode: 1,
    message: `${key}: container ${p.name} ${why}${text ? `: ${lastLines(text, 1)}` : ''}`,
    fault: 'user',
    hint: `see docker logs ${p.name}`,
    detail: text
      ? `last log lines of ${p.name}${p.death?.at ? ' (the run that failed)' : ''}:\n${lastLines(text, 20)}`
      : undefined,
  });
}
