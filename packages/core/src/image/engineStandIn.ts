// THROWAWAY stand-in for helper conn's dockerApi (engineFor/engineError/followProgress),
// deleted when h/conn is merged. Local unix/tcp engine from DOCKER_HOST only.
import type Docker from 'dockerode';
import type { Exec } from '../exec.js';
import { PctlError, isPctlError } from '../errors.js';

export interface SshTarget { host: string; user?: string; port?: number; key?: string; sudo?: boolean; remoteSocket?: string }
export interface Engine { api: Docker; where: string; close(): Promise<void> }

let local: Promise<Engine> | undefined;

export function engineFor(_ctx: { exec: Exec; signal?: AbortSignal }, _target?: SshTarget): Promise<Engine> {
  local ??= (async () => {
    const { default: Dockerode } = await import('dockerode');
    const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
    const api = host.startsWith('unix://') ? new Dockerode({ socketPath: host.slice('unix://'.length) }) : new Dockerode({ host: new URL(host.replace(/^tcp:/, 'http:')).hostname, port: Number(new URL(host.replace(/^tcp:/, 'http:')).port) });
    return { api, where: `the local engine (${host})`, close: async () => undefined };
  })();
  return local;
}

export async function closeEngines(): Promise<void> {
  local = undefined;
}

export function engineError(e: unknown, what: string, _engine?: Engine): PctlError {
  if (isPctlError(e)) return e;
  const err = e as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT' || err.code === 'EACCES') {
    return new PctlError({
      code: 'DockerUnavailable',
      message: `${what}: no Docker engine answers at ${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'}`,
      fault: 'environment',
      hint: 'start Docker, or point DOCKER_HOST at a running engine; `source scripts/ensure-docker.sh` starts a private one',
      detail: String(err.message),
    });
  }
  const msg = err.json?.message ?? String(err.message ?? e);
  return new PctlError({ code: 'CommandFailed', message: `${what} failed: ${msg}`, fault: 'environment', detail: msg, cause: e });
}

export function followProgress(stream: NodeJS.ReadableStream, onLine?: (text: string) => void): Promise<object[]> {
  return new Promise((resolve, reject) => {
    const out: object[] = [];
    let buf = '';
    let failed: Error | undefined;
    let text = '';
    const handle = (line: string) => {
      if (!line.trim()) return;
      let m: { stream?: string; error?: string; errorDetail?: { message?: string }; status?: string };
      try {
        m = JSON.parse(line);
      } catch {
        return;
      }
      out.push(m);
      if (m.errorDetail || m.error) {
        failed ??= new Error(m.errorDetail?.message ?? m.error);
        onLine?.(m.errorDetail?.message ?? m.error ?? '');
      }
      const t = m.stream ?? (m.status ? `${m.status}\n` : '');
      text += t;
      let i;
      while ((i = text.indexOf('\n')) >= 0) {
        onLine?.(text.slice(0, i));
        text = text.slice(i + 1);
      }
    };
    stream.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        handle(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      handle(buf);
      if (text) onLine?.(text);
      if (failed) reject(failed);
      else resolve(out);
    });
  });
}
