// THROWAWAY stand-in for @pctl/core's engineFor/engineError (helper conn's dockerApi),
// used only until h/conn is merged: the local engine from DOCKER_HOST, no ssh.
import { PctlError, type Exec } from '@pctl/core';
import type Docker from 'dockerode';

export interface SshTarget { host: string; user?: string; port?: number; key?: string; sudo?: boolean; remoteSocket?: string }
export interface Engine { api: Docker; where: string; close(): Promise<void> }

let local: Promise<Engine> | undefined;

export function engineFor(_ctx: { exec: Exec; signal?: AbortSignal }, target?: SshTarget): Promise<Engine> {
  if (target) return Promise.reject(new PctlError({ code: 'SshFailed', message: `cannot reach ${target.host} over ssh: not in the stand-in`, fault: 'environment' }));
  local ??= (async () => {
    const { default: Dockerode } = await import('dockerode');
    const h = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
    const api = h.startsWith('unix://') ? new Dockerode({ socketPath: h.slice(7) }) : new Dockerode({ host: new URL(h).hostname, port: Number(new URL(h).port) });
    return { api, where: `the local engine (${h})`, close: async () => undefined };
  })();
  return local;
}

export async function closeEngines(): Promise<void> {}

export function engineError(e: unknown, what: string, _engine?: Engine): PctlError {
  if (e instanceof PctlError) return e;
  const err = e as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE'].includes(err.code ?? '') || /socket hang up/.test(err.message ?? '')) {
    return new PctlError({ code: 'DockerUnavailable', message: `${what}: no Docker engine answers at ${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'}`, fault: 'environment', hint: 'start Docker, or point DOCKER_HOST at a running engine; `source scripts/ensure-docker.sh` starts a private one' });
  }
  const msg = err.json?.message ?? err.message ?? String(e);
  return new PctlError({ code: 'CommandFailed', message: `${what} failed: ${msg}`, fault: 'environment', detail: msg });
}

export function followProgress(stream: NodeJS.ReadableStream, onLine?: (text: string) => void): Promise<object[]> {
  return new Promise((resolve, reject) => {
    const out: object[] = [];
    let partial = '';
    let failed: Error | undefined;
    stream.on('data', (c: Buffer) => {
      partial += c.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines.filter((x) => x.trim())) {
        const m = JSON.parse(l) as { errorDetail?: { message?: string }; error?: string; stream?: string };
        out.push(m);
        if ((m.errorDetail || m.error) && !failed) failed = new Error(m.errorDetail?.message ?? m.error);
        if (m.stream) onLine?.(m.stream);
      }
    });
    stream.on('end', () => (failed ? reject(failed) : resolve(out)));
    stream.on('error', reject);
  });
}
