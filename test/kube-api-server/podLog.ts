// pods/log from the Docker-backed kubelet: the container's output as the engine kept it, with the kubelet's options.
import type { ServerResponse } from 'node:http';
import type Dockerode from 'dockerode';
import { ApiError } from './errors.js';
import type { ContainerRuntime } from './runtime/containerRuntime.js';
import { demuxer } from './runtime/multiplex.js';
import type { KubeObject } from './store.js';

const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

/** The container a request means: the named one, or the pod's only container (the API server's rule). */
export function containerNameFor(pod: KubeObject, name: string | null): string {
  const names = (list: unknown): string[] => ((list ?? []) as { name: string }[]).map((c) => c.name);
  const containers = names(pod.spec?.containers);
  const inits = names(pod.spec?.initContainers);
  if (name) {
    if (!containers.includes(name) && !inits.includes(name))
      throw badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`);
    return name;
  }
  if (containers.length === 1) return containers[0];
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${pod.metadata.name}`);
  let message = `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`;
  if (inits.length) message += ` or one of the init containers: [${inits.join(' ')}]`;
  throw badRequest(message);
}

function positiveInt(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`${key}: Invalid value: "${v}": must be a non-negative integer`);
  return n;
}

/** The engine's `since`: seconds and nanoseconds since the epoch. */
function sinceOf(q: URLSearchParams): string | undefined {
  const seconds = positiveInt(q, 'sinceSeconds');
  const time = q.get('sinceTime');
  if (seconds !== undefined && time !== null)
    throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
  let ms: number | undefined;
  if (seconds !== undefined) ms = Date.now() - seconds * 1000;
  if (time !== null) {
    ms = Date.parse(time);
    if (Number.isNaN(ms)) throw badRequest(`sinceTime: Invalid value: "${time}": must be an RFC3339 time`);
  }
  if (ms === undefined) return undefined;
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1e6).padStart(9, '0')}`;
}

export async function servePodLog(
  rt: ContainerRuntime,
  pod: KubeObject,
  q: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const name = containerNameFor(pod, q.get('container'));
  const { id, tty } = rt.container(pod, name, q.get('previous') === 'true');
  const follow = q.get('follow') === 'true';
  const tail = positiveInt(q, 'tailLines');
  let budget = positiveInt(q, 'limitBytes') ?? Number.POSITIVE_INFINITY;
  const since = sinceOf(q);
  // dockerode types `tail` as a number and `since` as one too; the engine takes 'all' and seconds.nanoseconds.
  const opts = {
    stdout: true,
    stderr: true,
    timestamps: q.get('timestamps') === 'true',
    tail: tail ?? 'all',
    ...(since ? { since } : {}),
  } as unknown as Dockerode.ContainerLogsOptions;
  const container = rt.docker.getContainer(id);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  const emit = (data: Buffer): boolean => {
    if (budget <= 0) return false;
    const part = data.length > budget ? data.subarray(0, budget) : data;
    budget -= part.length;
    res.write(part);
    return budget > 0;
  };
  if (!follow) {
    const all = await container.logs({ ...opts, follow: false });
    if (tty) emit(all);
    else demuxer((_s, d) => void emit(d))(all);
    res.end();
    return;
  }
  const stream = (await container.logs({ ...opts, follow: true })) as NodeJS.ReadableStream & { destroy(): void };
  const feed = tty ? (d: Buffer) => void emit(d) : demuxer((_s, d) => void emit(d));
  await new Promise<void>((resolve) => {
    stream.on('data', (d: Buffer) => {
      feed(d);
      if (budget <= 0) stream.destroy();
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
  });
  res.end();
}
