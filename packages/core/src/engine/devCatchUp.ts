// What `pctl dev` synced lives only in the containers it reached. On Kubernetes a container
// that restarts, or a pod that replaces one, starts from the image without it: each sync
// passes, as `all`, what differs between the deployed build and the files now, and while
// they differ the provider is asked about once a second to give it to any container that
// has not had it (the provider knows which: it returns them as `full`).
import type { SyncBatch } from '../contract.js';
import { toPctlError } from '../errors.js';
import type { BuildRecord } from '../image/index.js';
import type { Baseline, WatchedService } from './devBaseline.js';
import { classifyChange } from './devChanges.js';
import { backendOf } from './stateBackend.js';
import { batches } from './sync.js';

// What a container started from the deployed image lacks to hold `now` (undefined: nothing).
export function sinceDeploy(
  s: WatchedService,
  deployed: BuildRecord | undefined,
  now: BuildRecord | undefined,
): SyncBatch[] | undefined {
  if (!s.pairs) return undefined;
  const c = classifyChange(deployed, now, s.pairs);
  if (c.kind !== 'sync') return undefined;
  return batches({ target: s.target, pairs: s.pairs }, c.changed, c.deleted);
}

export interface CatchUpSink {
  synced(e: { service: string; files: number; deleted: number; containers: string[]; text: string }): void;
  failed(e: { service: string; error: { code: string; message: string }; text: string }): void;
}

// Runs `pass` every `ms` through `schedule` (between the loop's rounds), one at a time; returns the stop.
export function every(ms: number, schedule: (work: () => Promise<void>) => void, pass: () => Promise<void>) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    schedule(() => pass().finally(() => (running = false)));
  }, ms);
  return () => clearInterval(timer);
}

// One catch-up pass over the services whose provider tells new containers apart.
export async function catchUp(p: {
  base: Baseline;
  deployed: Map<string, BuildRecord | undefined>;
  /** The services whose provider returned `full` (the others keep synced files across restarts). */
  tracking: Set<string>;
  /** The last failure said per service: the same one is not said every second. */
  said: Map<string, string>;
  sink: CatchUpSink;
}): Promise<void> {
  let state: Awaited<ReturnType<ReturnType<typeof backendOf>['read']>>['state'] | undefined;
  for (const s of p.base.services) {
    if (!p.tracking.has(s.name) || !s.provider.sync) continue;
    const all = sinceDeploy(s, p.deployed.get(s.name), p.base.records.get(s.name));
    if (!all?.length) continue;
    try {
      state ??= (await backendOf(p.base.session).read()).state;
      const r = await s.provider.sync({
        ctx: p.base.session.ctx,
        key: s.target.key,
        entry: state[s.target.key],
        batches: [],
        all,
      });
      p.said.delete(s.name);
      if (!r.full?.length) continue;
      const files = all.reduce((n, b) => n + b.files.length, 0);
      const deleted = all.reduce((n, b) => n + b.deleted.length, 0);
      const removals = deleted ? ` and ${deleted} removal${deleted === 1 ? '' : 's'}` : '';
      p.sink.synced({
        service: s.name,
        files,
        deleted,
        containers: r.full,
        text: `${s.name}: synced ${files} file${files === 1 ? '' : 's'}${removals} changed since the deploy to ${r.full.join(', ')} (started since)`,
      });
    } catch (e) {
      const err = toPctlError(e);
      // None running (a rollout, a pod being replaced) is no failure: the next pass catches up.
      if (err.code === 'NotRunning' || p.said.get(s.name) === err.oneLine()) continue;
      p.said.set(s.name, err.oneLine());
      const error = { code: err.code, message: err.oneLine() };
      p.sink.failed({ service: s.name, error, text: `${s.name}: sync failed: ${error.message}` });
    }
  }
}
