// Container probes as the kubelet runs them: exec in the container, TCP connect or HTTP GET to the pod IP, with thresholds.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type Dockerode from 'dockerode';
import type { ContainerSpec, Probe } from './podSpec.js';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

function portOf(c: ContainerSpec, port: number | string): number {
  if (typeof port === 'number') return port;
  const named = c.ports?.find((p) => p.name === port)?.containerPort;
  return named ?? Number(port);
}

/** Run a command in a container and collect its exit code (and output, for messages). */
export async function execCollect(
  docker: Dockerode,
  containerId: string,
  cmd: string[],
  timeoutMs: number,
): Promise<{ code: number; output: string }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, timeoutMs);
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on('error', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const info = await exec.inspect();
  // Multiplexed frames: 8-byte headers; keep the payloads only.
  const raw = Buffer.concat(chunks);
  const parts: Buffer[] = [];
  for (let off = 0; off + 8 <= raw.length; ) {
    const len = raw.readUInt32BE(off + 4);
    parts.push(raw.subarray(off + 8, off + 8 + len));
    off += 8 + len;
  }
  return { code: info.Running ? -1 : (info.ExitCode ?? -1), output: Buffer.concat(parts).toString() };
}

/** One probe attempt against a running container whose pod has `ip`. */
export async function probeOnce(
  docker: Dockerode,
  containerId: string,
  ip: string,
  c: ContainerSpec,
  p: Probe,
  timeoutMs: number,
): Promise<ProbeResult> {
  if (p.exec) {
    try {
      const r = await execCollect(docker, containerId, p.exec.command, timeoutMs);
      if (r.code === -1)
        return {
          ok: false,
          message: `command timed out: "${p.exec.command.join(' ')}" timed out after ${timeoutMs}ms`,
        };
      return r.code === 0
        ? { ok: true, message: '' }
        : { ok: false, message: r.output.trim() || `command "${p.exec.command.join(' ')}" exited with ${r.code}` };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }
  if (p.tcpSocket) {
    const port = portOf(c, p.tcpSocket.port);
    const host = p.tcpSocket.host ?? ip;
    return new Promise((resolve) => {
      const s = connect({ host, port, timeout: timeoutMs });
      s.once('connect', () => {
        s.destroy();
        resolve({ ok: true, message: '' });
      });
      s.once('timeout', () => {
        s.destroy();
        resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
      });
      s.once('error', (e) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
    });
  }
  if (p.httpGet) {
    const g = p.httpGet;
    const port = portOf(c, g.port);
    const host = g.host ?? ip;
    const https = (g.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
    const url = `${https ? 'https' : 'http'}://${host}:${port}${g.path ?? '/'}`;
    return new Promise((resolve) => {
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32' };
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(
            code >= 200 && code < 400
              ? { ok: true, message: '' }
              : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
          );
        },
      );
      req.once('timeout', () => {
        req.destroy();
        resolve({
          ok: false,
          message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
        });
      });
      req.once('error', (e) => resolve({ ok: false, message: `Get "${url}": ${e.message}` }));
      req.end();
    });
  }
  return { ok: true, message: '' };
}

/**
 * Run a probe every period after its initial delay; `onResult` hears every attempt with the state the thresholds give
 * (undefined until the first threshold is reached: not ready yet). Returns a stop function.
 */
export function runProbe(
  p: Probe,
  secondMs: number,
  attempt: () => Promise<ProbeResult>,
  onResult: (state: boolean | undefined, result: ProbeResult) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let successes = 0;
  let failures = 0;
  let state: boolean | undefined;
  const period = Math.max(1, p.periodSeconds ?? 10) * secondMs;
  const loop = async (): Promise<void> => {
    if (stopped) return;
    const r = await attempt();
    if (stopped) return;
    if (r.ok) {
      successes++;
      failures = 0;
    } else {
      failures++;
      successes = 0;
    }
    if (r.ok && successes >= (p.successThreshold ?? 1) && state !== true) state = true;
    if (!r.ok && failures >= (p.failureThreshold ?? 3)) state = false;
    onResult(state, r);
    timer = setTimeout(() => void loop(), period);
  };
  timer = setTimeout(() => void loop(), (p.initialDelaySeconds ?? 0) * secondMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
