// `pctl logs` on Docker: GET /containers/{id}/logs of every container of the service
// (frames demultiplexed into stdout and stderr unless the container has a TTY), with the
// engine's timestamps. Following, the service's container events (GET /events, subscribed
// before the containers are listed, so no start is missed) bring in containers that start
// later (a redeploy, a scale-up, a restart); a stream that ends is said, with why.
import { PctlError, type LogsParams } from '@pctl/core';
import { pathPart, statusOf, type Api } from './api.js';
import { inspect } from './containers.js';
import { actionOf, watchService, type EventWatch } from './events.js';
import { frameReader, lineReader } from './frames.js';
import { replicaName, serviceApi, serviceReplicas, type Replica } from './replicas.js';

// Streams the service's logs; following, until params.signal aborts.
export async function logs(p: LogsParams): Promise<void> {
  const api = await serviceApi(p.ctx, p.key, p.entry);
  if (p.previous) return previousLogs(api, p);
  if (p.follow) return followLogs(api, p);
  for (const r of await serviceReplicas(api, p.ctx, p.key))
    await streamReplica(api, p, r, { follow: false, since: sinceOf(p.since) });
}

/** `seconds.nanoseconds`, as the engine takes `since` and `until`. */
function sinceOf(d: Date | undefined): string | undefined {
  return d ? (d.getTime() / 1000).toFixed(3) : undefined;
}

// An RFC 3339 time with nanoseconds (the engine's StartedAt) as `seconds.nanoseconds`, exactly.
export function unixNanos(rfc3339: string): string | undefined {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (!m) return undefined;
  const s = Date.parse(`${m[1]}${m[3]}`);
  return Number.isNaN(s) ? undefined : `${Math.floor(s / 1000)}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}`;
}

// The lines of one container, as they come; resolves when its stream ends or the signal aborts.
async function streamReplica(
  api: Api,
  p: LogsParams,
  r: Replica,
  o: { follow: boolean; since?: string; until?: string; tail?: boolean },
): Promise<void> {
  const query = {
    stdout: true,
    stderr: true,
    timestamps: true,
    follow: o.follow,
    ...(o.since ? { since: o.since } : {}),
    ...(o.until ? { until: o.until } : {}),
    ...(p.tail !== undefined && o.tail !== false ? { tail: p.tail } : {}),
  };
  const route = `GET /containers/${pathPart(r.container)}/logs?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v === true ? 1 : v)])).toString()}`;
  const res = (await api.call(
    route,
    `reading the logs of ${r.container}`,
    (d) => d.getContainer(r.id).logs(query as never) as unknown as Promise<unknown>,
  )) as unknown as Buffer | NodeJS.ReadableStream;
  const lines = lineReader((stream, text) => {
    const m = /^(\d{4}-\d{2}-\d{2}T\S+) (.*)$/s.exec(text) ?? /^(\d{4}-\d{2}-\d{2}T\S+)()$/.exec(text);
    p.onLine({ replica: r.name, stream, ...(m ? { time: m[1] } : {}), line: m ? m[2]! : text });
  });
  const frames = frameReader((s, b) => lines.push(s, b));
  const feed = (b: Buffer) => (r.state.Config.Tty ? lines.push('stdout', b) : frames.push(b));
  if (Buffer.isBuffer(res) || typeof res === 'string') {
    feed(Buffer.from(res));
    lines.flush();
    return;
  }
  const stream = res as NodeJS.ReadableStream & { destroy(): void };
  await new Promise<void>((resolve, reject) => {
    const done = (e?: Error) => {
      p.signal.removeEventListener('abort', onAbort);
      lines.flush();
      if (e && !p.signal.aborted) reject(api.fail(e, `reading the logs of ${r.container}`));
      else resolve();
    };
    const onAbort = () => {
      stream.destroy();
      done();
    };
    if (p.signal.aborted) return onAbort();
    p.signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (b: Buffer) => feed(Buffer.isBuffer(b) ? b : Buffer.from(b)));
    stream.on('end', () => done());
    stream.on('close', () => done());
    stream.on('error', (e: Error) => done(e));
  });
}

// `--previous`: each restarted container's lines up to the start of its current run.
async function previousLogs(api: Api, p: LogsParams): Promise<void> {
  const restarted = (await serviceReplicas(api, p.ctx, p.key)).filter((r) => r.state.RestartCount > 0);
  if (!restarted.length) {
    throw new PctlError({
      code: 'NotRunning',
      message: `no container of ${p.key} has restarted: there is no previous run to show`,
      fault: 'user',
      exitCode: 1,
      hint: 'pctl logs without --previous shows the current run',
    });
  }
  for (const r of restarted)
    await streamReplica(api, p, r, {
      follow: false,
      since: sinceOf(p.since),
      until: unixNanos(r.state.State.StartedAt),
    });
}

// Follows every container of the service, and those that start later, until the signal aborts.
async function followLogs(api: Api, p: LogsParams): Promise<void> {
  const streams = new Map<string, Promise<void>>();
  let failure: unknown;
  let wake: (() => void) | undefined;
  const fail = (e: unknown) => {
    failure ??= e;
    wake?.();
  };
  const seen = new Set<string>();
  const follow = (r: Replica, o: { since?: string; announce: boolean }) => {
    if (streams.has(r.id) || p.signal.aborted) return;
    seen.add(r.id);
    if (o.announce)
      p.onReplica({
        replica: r.name,
        event: 'added',
        detail: `container ${r.container} (${r.id.slice(0, 12)}) started`,
      });
    const running = r.state.State.Running;
    const s = streamReplica(api, p, r, { follow: true, since: o.since ?? sinceOf(p.since), tail: !o.announce })
      .then(() => (running && !p.signal.aborted ? sayGone(api, p, r) : undefined))
      .catch(fail)
      .finally(() => streams.delete(r.id));
    streams.set(r.id, s);
  };
  const aborted = new Promise<void>((resolve) =>
    p.signal.aborted ? resolve() : p.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  let watch: EventWatch | undefined;
  try {
    // Subscribed first: a container that starts while the others are listed is not missed.
    watch = await watchService(api, p.ctx.stack, p.key);
    for (const r of await serviceReplicas(api, p.ctx, p.key)) follow(r, { announce: false });
    while (!p.signal.aborted && !failure) {
      const ev = await Promise.race([
        watch.next(60_000),
        aborted,
        new Promise<undefined>((r) => (wake = () => r(undefined))),
      ]);
      if (p.signal.aborted || failure) break;
      if (watch.ended()) {
        // The event stream ended: the engine went away (said, exit 1) or the connection broke (subscribe again).
        await api
          .call('GET /_ping', 'following logs (the Docker engine stopped answering)', (d) => d.ping())
          .catch(fail);
        if (failure) break;
        watch.close();
        watch = await watchService(api, p.ctx.stack, p.key);
        for (const r of await serviceReplicas(api, p.ctx, p.key))
          if (r.state.State.Running)
            follow(r, { since: seen.has(r.id) ? unixNanos(r.state.State.FinishedAt) : undefined, announce: true });
        continue;
      }
      if (!ev || actionOf(ev).action !== 'start') continue;
      const id = ev.id ?? ev.Actor?.ID ?? '';
      const state = (await inspect(api, [id]))[0];
      if (!state) continue;
      const container = state.Name.replace(/^\//, '');
      const r = { name: replicaName(p.ctx, p.key, container), container, id: state.Id, state };
      // A restarted container keeps the lines of its earlier runs: only those after the last
      // one ended (its first lines may be stamped before StartedAt). A new one: all its lines.
      const since = seen.has(state.Id) ? unixNanos(state.State.FinishedAt) : undefined;
      const earlier = streams.get(state.Id);
      if (earlier) void earlier.then(() => follow(r, { since, announce: true }));
      else follow(r, { since, announce: true });
    }
  } finally {
    watch?.close();
  }
  await Promise.all(streams.values());
  if (failure && !p.signal.aborted) {
    const e = failure as Error;
    throw new PctlError({
      code: 'LogsFailed',
      message: `following the logs of ${p.key} stopped: ${e.message}`,
      fault: 'environment',
      exitCode: 1,
      hint: 'check that the Docker engine runs (docker info), then run pctl logs -f again',
    });
  }
}

// Says why a followed container's stream ended: it exited (with its code) or was removed.
async function sayGone(api: Api, p: LogsParams, r: Replica): Promise<void> {
  let why: string;
  try {
    const s = await api.docker.getContainer(r.id).inspect();
    why = s.State.Running
      ? 'its log stream ended'
      : `exited with code ${s.State.ExitCode}${s.State.Restarting ? ', restarting' : ''}`;
  } catch (e) {
    if (statusOf(e) !== 404) throw api.fail(e, `inspecting ${r.container}`);
    why = 'removed';
  }
  p.onReplica({ replica: r.name, event: 'gone', detail: `container ${r.container} (${r.id.slice(0, 12)}) ${why}` });
}
