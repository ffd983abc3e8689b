// Waiting until a service's containers run (and are healthy), learnt from the engine's
// event stream instead of polling.
//
// The rule ("stays up"): a container counts as running once it has been up for `settle`
// (provider.options.settle, seconds) measured from its start, with no `die` event in that
// window; with a health check, once it reported healthy and that window has passed too
// (settle defaults to 0.5 s without a health check and 0 with one: a passing health check
// already proves the process stayed up). A `die` or an unhealthy `health_status` event of
// one of its containers fails the deploy at once, with the exit code and log of the run
// that died (a `die` the engine did not answer with a restart is a stop from outside, see
// below). At the end of the window one inspection confirms what the events said (an
// event cannot be lost between our subscription and the container's start: the
// subscription is made before the containers are created).
import { PctlError } from '@pctl/core';
import type { Api } from './api.js';
import { inspect, type Inspect } from './containers.js';
import { actionOf, type EngineEvent, type EventWatch } from './events.js';
import { containerFailure } from './failure.js';

export interface WaitParams {
  key: string;
  /** The containers, with the local time each start call returned. */
  containers: { id: string; name: string; startedAt: number }[];
  healthCheck: boolean;
  timeoutMs: number;
  settleMs: number;
}

// Waits until every container is up for the settle window (and healthy with a health check).
// `subscribe` opens the event stream again should it end while the engine still answers
// (what happened meanwhile is in the next inspection).
export async function waitRunning(
  api: Api,
  first: EventWatch,
  p: WaitParams,
  subscribe: () => Promise<EventWatch>,
): Promise<void> {
  let watch = first;
  const deadline = Date.now() + p.timeoutMs;
  const byId = new Map(p.containers.map((c) => [c.id, c]));
  const healthy = new Set<string>();
  let settledAt = Math.max(...p.containers.map((c) => c.startedAt)) + p.settleMs;
  let stopped: { name: string; death: { exitCode: number; at?: string }; state?: Inspect } | undefined;
  for (;;) {
    const now = Date.now();
    if (stopped && now >= deadline) throw await containerFailure(api, p.key, stopped);
    const waiting = !p.healthCheck || healthy.size === byId.size;
    if (!stopped && now >= settledAt && waiting && (await judge(api, p)) === 'ready') return;
    if (now >= deadline) throw await timeout(api, p);
    // Sleep until the next event, the end of the window, or the deadline.
    const until = now < settledAt && !stopped ? Math.min(settledAt, deadline) : deadline;
    const ev = await watch.next(until - now);
    if (watch.ended()) {
      // An engine that stopped fails this inspection, worded as engineError words it.
      if ((await judge(api, p)) === 'ready') return;
      watch = await subscribe();
      continue;
    }
    if (!ev) continue;
    const c = byId.get(ev.id ?? ev.Actor?.ID ?? '');
    if (!c) continue;
    const { action, detail } = actionOf(ev);
    if (action === 'die') {
      const state = (await inspect(api, [c.id]))[0];
      // The policy (unless-stopped) restarts a container that died on its own: the engine
      // marks it restarting before it sends `die`. One it did not restart was stopped from
      // outside (`docker stop`, or the engine itself shutting down, which then ends the
      // event stream): wait for that end or the deadline before calling it a crash.
      const restarted = !state || state.State.Restarting || state.State.Running || (state.RestartCount ?? 0) > 0;
      if (restarted) throw await containerFailure(api, p.key, { name: c.name, death: death(ev), state });
      stopped = { name: c.name, death: death(ev), state };
      continue;
    }
    if (action === 'health_status' && detail === 'unhealthy')
      throw await containerFailure(api, p.key, { name: c.name, unhealthy: true });
    if (action === 'health_status' && detail === 'healthy') healthy.add(c.id);
    // A later start (the restart policy) moves the window: it must stay up from there.
    if (action === 'start') {
      settledAt = Math.max(settledAt, Date.now() + p.settleMs);
      if (stopped?.name === c.name) stopped = undefined;
    }
  }
}

// The code and engine time of a death event.
function death(ev: EngineEvent): { exitCode: number; at?: string } {
  const at = ev.timeNano
    ? `${Math.floor(ev.timeNano / 1e9)}.${String(ev.timeNano % 1e9).padStart(9, '0')}`
    : ev.time
      ? String(ev.time)
      : undefined;
  return { exitCode: Number(ev.Actor?.Attributes?.exitCode ?? -1), at };
}

// One inspection: a container that exited, restarts (the policy hides an exit) or is
// unhealthy fails; 'ready' when every one runs (and is healthy).
async function judge(api: Api, p: WaitParams): Promise<'ready' | 'waiting'> {
  const states = await inspect(
    api,
    p.containers.map((c) => c.id),
  );
  const bad = states.find(
    (s) =>
      (!s.State.Running && ['exited', 'dead'].includes(s.State.Status)) ||
      s.State.Restarting ||
      (s.RestartCount ?? 0) > 0,
  );
  if (bad) throw await containerFailure(api, p.key, { name: nameOf(bad), state: bad });
  const sick = states.find((s) => s.State.Health?.Status === 'unhealthy');
  if (sick) throw await containerFailure(api, p.key, { name: nameOf(sick), state: sick, unhealthy: true });
  const ready =
    states.length === p.containers.length &&
    states.every((s) => s.State.Running && (!p.healthCheck || s.State.Health?.Status === 'healthy'));
  return ready ? 'ready' : 'waiting';
}

async function timeout(api: Api, p: WaitParams): Promise<PctlError> {
  const states = await inspect(
    api,
    p.containers.map((c) => c.id),
  );
  return new PctlError({
    code: 'ContainerTimeout',
    message: `${p.key}: containers not ${p.healthCheck ? 'healthy' : 'running'} after ${Math.round(p.timeoutMs / 1000)}s (${states.map((s) => `${nameOf(s)}: ${s.State.Health?.Status ?? s.State.Status}`).join(', ')})`,
    fault: 'environment',
    hint: 'raise provider.options.timeout (seconds) or check the health command',
  });
}

const nameOf = (s: Inspect) => s.Name.replace(/^\//, '');
