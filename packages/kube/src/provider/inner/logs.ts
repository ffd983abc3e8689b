// `pctl logs` on Kubernetes: GET pods/log of the service's container in every pod of the
// service (`timestamps=true` always, so each line has its time; `tailLines`, `sinceTime`,
// `previous` from the flags). pods/log interleaves stdout and stderr: Kubernetes does not
// say which a line came on, so every line is reported on stdout (the provider declares it,
// see `logStreams`). Following, a watch of the service's pods (started at the list's
// resourceVersion, so no pod is missed) brings in pods that start later (a rollout, a
// scale-up) and containers that restart; a stream that ends is said, with why.
import { setMaxListeners } from 'node:events';
import { PctlError, type LogsParams } from '@pctl/core';
import { containerStatus, listPods, part, serviceContainer, type Pod, type ServicePods } from './pods.js';
import { streamGet } from './request.js';
import { lineSplitter, newerThan } from './lines.js';

interface StreamOptions {
  follow: boolean;
  tail?: number;
  since?: Date;
  previous?: boolean;
  /** Drop lines stamped at or before this time (a stream resumed after a break). */
  after?: string;
}

// Streams the service's logs; following, until p.signal aborts.
export async function kubeLogs(sp: ServicePods, p: LogsParams): Promise<void> {
  if (p.follow && !p.previous) return followLogs(sp, p);
  const pods = await listPods(sp);
  const started = pods.filter((pod) => {
    const cs = containerStatus(sp, pod);
    // A container waiting to restart (CrashLoopBackOff) still has the lines of its last run.
    return p.previous
      ? (cs?.restartCount ?? 0) > 0
      : Boolean(cs?.state?.running || cs?.state?.terminated || cs?.lastState?.terminated);
  });
  if (p.previous && !started.length)
    throw new PctlError({
      code: 'NotRunning',
      message: `no pod of service ${sp.service} has a restarted container: there is no previous run to show`,
      fault: 'user',
      exitCode: 1,
      hint: 'pctl logs without --previous shows the current run',
    });
  for (const pod of started) {
    try {
      await streamPod(sp, p, pod, { follow: false, tail: p.tail, since: p.since, previous: p.previous }, p.signal);
    } catch (e) {
      // A server that keeps no lines of a waiting container says so (400): that pod has none to show.
      const waiting = containerStatus(sp, pod)?.state?.waiting;
      if (!(waiting && e instanceof PctlError && e.code === 'NotRunning')) throw e;
    }
  }
}

// The lines of one pod's container, as they come; resolves with the time of the last line when its stream ends.
async function streamPod(
  sp: ServicePods,
  p: LogsParams,
  pod: Pod,
  o: StreamOptions,
  signal: AbortSignal,
): Promise<string | undefined> {
  const name = pod.metadata.name;
  const q = new URLSearchParams({ container: serviceContainer(sp, pod), timestamps: 'true' });
  if (o.follow) q.set('follow', 'true');
  if (o.previous) q.set('previous', 'true');
  if (o.tail !== undefined) q.set('tailLines', String(o.tail));
  const since = o.after ?? o.since?.toISOString();
  if (since) q.set('sinceTime', since.replace(/\.\d+Z$/, 'Z'));
  let last: string | undefined;
  const lines = lineSplitter((text) => {
    const m = /^(\d{4}-\d{2}-\d{2}T[^ ]+)(?: (.*))?$/s.exec(text);
    const time = m?.[1];
    if (o.after && time && !newerThan(time, o.after)) return;
    if (time) last = time;
    p.onLine({ replica: name, stream: 'stdout', ...(time ? { time } : {}), line: m ? (m[2] ?? '') : text });
  });
  if (signal.aborted) return last;
  let res: Awaited<ReturnType<typeof streamGet>>;
  try {
    res = await streamGet(
      sp.client,
      `/api/v1/namespaces/${part(sp.namespace)}/pods/${part(name)}/log?${q}`,
      `reading the logs of pod ${sp.namespace}/${name}`,
      signal,
    );
  } catch (e) {
    if (signal.aborted) return last;
    throw e;
  }
  await new Promise<void>((resolve, reject) => {
    res.on('data', (b: Buffer) => lines.push(b));
    res.on('end', () => resolve());
    res.on('close', () => resolve());
    res.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
  });
  lines.flush();
  return last;
}

interface Tracked {
  pod: Pod;
  /** The container instance streamed last (a new one after a restart). */
  containerID?: string;
  streaming?: Promise<void>;
  /** The time of the last line shown. */
  last?: string;
}

// Follows every pod of the service, and those that start later, until the signal aborts.
async function followLogs(sp: ServicePods, p: LogsParams): Promise<void> {
  const stop = new AbortController();
  // One listener per pod stream and the watch: many pods are not a leak.
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort();
  p.signal.addEventListener('abort', onAbort, { once: true });
  const tracked = new Map<string, Tracked>();
  let failure: unknown;
  let initial = true;
  const fail = (e: unknown) => {
    failure ??= e;
    stop.abort();
  };

  // Starts streaming a pod's container when it runs a container instance not streamed yet.
  const consider = (pod: Pod) => {
    const name = pod.metadata.name;
    const t = tracked.get(name) ?? { pod };
    tracked.set(name, t);
    t.pod = pod;
    const cs = containerStatus(sp, pod);
    if (t.streaming || stop.signal.aborted || !cs?.state?.running || !cs.containerID) return;
    if (cs.containerID === t.containerID) return;
    const restarted = t.containerID !== undefined;
    const announce = !initial || restarted;
    if (announce)
      p.onReplica({
        replica: name,
        event: 'added',
        detail: restarted
          ? `container ${cs.name} of pod ${name} restarted (restart ${cs.restartCount ?? 0})`
          : `pod ${name} started`,
      });
    t.containerID = cs.containerID;
    const o: StreamOptions = announce ? { follow: true } : { follow: true, tail: p.tail, since: p.since };
    t.streaming = run(t, o).catch(fail);
  };

  // Streams until the stream ends, resuming once when it broke while the container still runs; then says why it went.
  const run = async (t: Tracked, o: StreamOptions): Promise<void> => {
    const name = t.pod.metadata.name;
    for (let resumed = 0; ; resumed++) {
      const began = Date.now();
      t.last = (await streamPod(sp, p, t.pod, { ...o, after: t.last ?? o.after }, stop.signal)) ?? t.last;
      if (stop.signal.aborted) return;
      const now = (await sp.client.read({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: sp.namespace },
      })) as Pod | undefined;
      const cs = now && containerStatus(sp, now);
      const same = cs?.containerID === t.containerID && cs?.state?.running && !now?.metadata.deletionTimestamp;
      if (same && resumed < 3) {
        // The connection broke, the container did not: go on from the last line shown.
        if (Date.now() - began < 1000) await new Promise((r) => setTimeout(r, 1000));
        o = { follow: true };
        continue;
      }
      const term = cs?.state?.terminated ?? (cs?.containerID !== t.containerID ? cs?.lastState?.terminated : undefined);
      const why = !now
        ? `pod ${name} was deleted`
        : now.metadata.deletionTimestamp
          ? `pod ${name} is being deleted`
          : term
            ? `container ${cs!.name} of pod ${name} exited with code ${term.exitCode ?? 'unknown'}`
            : `the log stream of pod ${name} ended`;
      p.onReplica({ replica: name, event: 'gone', detail: why });
      t.streaming = undefined;
      if (now && !now.metadata.deletionTimestamp) consider(now);
      else if (!now) tracked.delete(name);
      return;
    }
  };

  try {
    let rv = await listAndConsider(sp, consider, stop.signal);
    initial = false;
    while (!stop.signal.aborted) {
      const began = Date.now();
      const ended = await watchPods(sp, rv, stop.signal, (type, pod) => {
        rv = pod.metadata.resourceVersion ?? rv;
        if (type === 'BOOKMARK') return;
        if (type === 'DELETED') {
          const t = tracked.get(pod.metadata.name);
          if (t && !t.streaming) tracked.delete(pod.metadata.name);
        } else consider(pod);
      });
      if (stop.signal.aborted) break;
      // The watch ended (a server timeout, a 410 Gone): list again and watch from there.
      if (Date.now() - began < 1000) await new Promise((r) => setTimeout(r, 1000));
      if (!stop.signal.aborted) rv = await listAndConsider(sp, consider, stop.signal);
    }
  } catch (e) {
    if (!stop.signal.aborted) fail(e);
  } finally {
    p.signal.removeEventListener('abort', onAbort);
    stop.abort();
  }
  await Promise.all([...tracked.values()].map((t) => t.streaming));
  if (failure && !p.signal.aborted) {
    const e = failure as Error;
    throw new PctlError({
      code: 'LogsFailed',
      message: `following the logs of ${sp.service} stopped: ${e.message}`,
      fault: 'environment',
      exitCode: 1,
      hint: 'check that the cluster answers (pctl status), then run pctl logs -f again',
    });
  }
}

type WatchedPod = Pod & { metadata: Pod['metadata'] & { resourceVersion?: string } };

// Lists the pods (each considered) and returns the list's resourceVersion to watch from.
async function listAndConsider(sp: ServicePods, consider: (pod: Pod) => void, signal: AbortSignal): Promise<string> {
  const res = await streamGet(
    sp.client,
    `/api/v1/namespaces/${part(sp.namespace)}/pods?${new URLSearchParams({ labelSelector: sp.selector })}`,
    `listing the pods of ${sp.service} in ${sp.namespace}`,
    signal,
  );
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    metadata?: { resourceVersion?: string };
    items?: Pod[];
  };
  for (const pod of list.items ?? []) consider(pod);
  return list.metadata?.resourceVersion ?? '';
}

// Watches the service's pods from `rv` until the watch ends or the signal aborts.
async function watchPods(
  sp: ServicePods,
  rv: string,
  signal: AbortSignal,
  onEvent: (type: string, pod: WatchedPod) => void,
): Promise<'ended' | 'expired' | 'aborted'> {
  const q = new URLSearchParams({ watch: 'true', labelSelector: sp.selector, allowWatchBookmarks: 'true' });
  if (rv) q.set('resourceVersion', rv);
  const res = await streamGet(
    sp.client,
    `/api/v1/namespaces/${part(sp.namespace)}/pods?${q}`,
    `watching the pods of ${sp.service} in ${sp.namespace}`,
    signal,
  );
  let expired = false;
  const lines = lineSplitter((text) => {
    if (!text.trim()) return;
    const ev = JSON.parse(text) as { type: string; object: WatchedPod & { code?: number } };
    // An ERROR (410 Gone: the resourceVersion is too old) ends this watch: the caller lists again.
    if (ev.type === 'ERROR') expired = true;
    else onEvent(ev.type, ev.object);
  });
  try {
    for await (const c of res) lines.push(c as Buffer);
  } catch (e) {
    if (!signal.aborted) throw e;
  }
  lines.flush();
  return signal.aborted ? 'aborted' : expired ? 'expired' : 'ended';
}
