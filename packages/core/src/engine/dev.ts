// `pctl dev`: deploy, then watch every watched service's build inputs and the stack file. A
// change a COPY pair covers is synced into the running containers (the provider's `sync`);
// any other change is a deploy, the same `runDeploy` as `pctl deploy` (its fingerprints
// decide what is rebuilt), holding the stack's lock only while it runs. A failed build or
// deploy is said and watching goes on; the interrupt ends watching and leaves the stack up.
import path from 'node:path';
import type { ReplicaEvent } from '../contract.js';
import { toPctlError } from '../errors.js';
import type { BuildRecord } from '../image/index.js';
import { runDeploy } from './deploy/index.js';
import { baseline, buildRecords } from './devBaseline.js';
import { catchUp, every, sinceDeploy } from './devCatchUp.js';
import { classifyChange, stackFilesSignature } from './devChanges.js';
import { DevStreams, forwardsOf } from './devStreams.js';
import { Watcher } from './devWatcher.js';
import type { LogRecord } from './logs.js';
import type { Forward } from './portForward.js';
import type { SessionOptions } from './session.js';
import { backendOf } from './stateBackend.js';
import { batches } from './sync.js';

export interface DevOptions extends SessionOptions {
  /** The services to watch (all when empty). */
  only: string[];
  logs: boolean;
  forward: boolean;
  /** False (`--no-sync`): a change a COPY pair covers is a redeploy too. */
  sync: boolean;
  /** Quiet time after a file event before acting, ms. */
  debounceMs?: number;
  /** While synced files differ from the deployed image, how often a new container is looked for (ms). */
  catchUpMs?: number;
}

/** One thing the loop did, as `--json` streams it (one object per line) and people read its `text`. */
export type DevEvent = { text: string } & (
  | { event: 'deploying'; services: string[]; reason: string }
  | { event: 'deployed'; services: { service?: string; result: string; reason: string }[] }
  | { event: 'deployFailed'; error: { code: string; message: string } }
  | { event: 'synced'; service: string; files: number; deleted: number; containers: string[] }
  | { event: 'syncFailed'; service: string; error: { code: string; message: string } }
  | { event: 'watching'; services: string[]; folders: string[]; redeployOnly: { service: string; why: string }[] }
  | { event: 'forwarding'; service: string; replica: string; local: number; remote: number }
  | { event: 'streamFailed'; service?: string; stream: 'logs' | 'forward'; error: { code: string; message: string } }
  | { event: 'watchFailed'; error: { code: string; message: string } }
);

export interface DevSink {
  event(e: DevEvent): void;
  line(record: LogRecord): void;
  replica(service: string, event: ReplicaEvent): void;
}

export interface DevSummary {
  deploys: number;
  failedDeploys: number;
  syncs: number;
}

const errorOf = (e: unknown) => {
  const err = toPctlError(e);
  return { code: err.code, message: err.oneLine() };
};

export async function runDev(opts: DevOptions, sink: DevSink): Promise<DevSummary> {
  const summary: DevSummary = { deploys: 0, failedDeploys: 0, syncs: 0 };
  const streams = new DevStreams(opts, {
    line: (l) => sink.line(l),
    replica: (s, e) => sink.replica(s, e),
    forwarding: (f: Forward) =>
      sink.event({
        event: 'forwarding',
        ...f,
        text: `forwarding 127.0.0.1:${f.local} -> ${f.service}/${f.replica}:${f.remote}`,
      }),
    failed: (w) =>
      sink.event({
        event: 'streamFailed',
        ...(w.service ? { service: w.service } : {}),
        stream: w.stream,
        error: { code: w.code, message: w.message },
        text:
          w.code === 'LocalPortInUse'
            ? `${w.service}: ${w.message}: not forwarded (the provider publishes it, or another program listens there)`
            : `${w.stream === 'logs' ? 'logs' : `port-forward of ${w.service}`}: ${w.message}`,
      }),
  });
  // The stack as the loop last saw it; an invalid stack file at the start is the command's error.
  let base = await baseline(opts, await stackFilesSignature(opts.configPath));
  // A deploy failed: the next change of any kind deploys again.
  let pendingDeploy = false;
  // The build records the last successful deploy shipped: what a new container starts from.
  let deployed = new Map<string, BuildRecord | undefined>();
  // The services whose provider tells a new container apart (returns `full`): caught up.
  const tracking = new Set<string>();

  const deploy = async (reason: string) => {
    const stackFiles = await stackFilesSignature(base.session.ctx.configPath);
    const names = base.services.map((s) => s.name);
    // Taken before the deploy reads the files: what changes while it runs is the next round's.
    const records = stackFiles === base.stackFiles ? await buildRecords(base).catch(() => undefined) : undefined;
    sink.event({ event: 'deploying', services: names, reason, text: `deploying (${reason})` });
    summary.deploys++;
    const result = await runDeploy({ ...opts, only: opts.only }).catch((e: unknown) => ({
      ok: false,
      services: [],
      error: toPctlError(e),
    }));
    pendingDeploy = !result.ok;
    if (result.ok) {
      const done = result.services.filter((s) => s.result !== 'skipped');
      sink.event({
        event: 'deployed',
        services: result.services.map((s) => ({ service: s.service, result: s.result, reason: s.reason })),
        text: done.length
          ? `deployed ${done.map((s) => `${s.service ?? s.key} (${s.result})`).join(', ')}`
          : 'deployed: nothing changed',
      });
    } else {
      summary.failedDeploys++;
      const error = errorOf(result.error);
      // Stopped by Ctrl-C: the deploy finished its running steps and the loop ends.
      const ending = opts.signal.aborted ? '' : ' (still watching)';
      sink.event({ event: 'deployFailed', error, text: `deploy failed: ${error.message}${ending}` });
    }
    if (opts.signal.aborted) return;
    try {
      const next = await baseline(opts, stackFiles);
      if (records && !pendingDeploy) for (const [k, v] of records) if (next.records.has(k)) next.records.set(k, v);
      base = next;
      if (result.ok) deployed = new Map(base.records);
    } catch (e) {
      // The stack file does not load: keep watching what we had (the stack file among it).
      pendingDeploy = true;
      base = { ...base, stackFiles };
      // A deploy that failed on it has said so already.
      const error = errorOf(e);
      if (result.ok)
        sink.event({ event: 'deployFailed', error, text: `the stack file does not load: ${error.message}` });
    }
    await startStreams();
  };

  const startStreams = async () => {
    if (opts.signal.aborted) return;
    const { state } = await backendOf(base.session)
      .read()
      .catch(() => ({ state: {} as Record<string, { destroyed?: boolean }> }));
    const deployed = base.services.filter((s) => state[s.target.key] && !state[s.target.key]!.destroyed);
    if (opts.logs) await streams.followLogs(deployed.filter((s) => s.provider.logs).map((s) => s.name));
    if (opts.forward) {
      const wanted = new Map<string, string[]>();
      for (const s of deployed.filter((x) => x.provider.portForward)) {
        const ports = forwardsOf(base.session.loaded.config, s.name);
        if (ports.length) wanted.set(s.name, ports);
      }
      await streams.forward(wanted);
    }
  };

  // One round after files changed: a deploy, or a sync per service, or nothing.
  const round = async () => {
    if (opts.signal.aborted) return;
    const stackFiles = await stackFilesSignature(base.session.ctx.configPath);
    if (stackFiles !== base.stackFiles) return deploy('the stack file changed');
    let next: Map<string, BuildRecord | undefined>;
    try {
      next = await buildRecords(base);
    } catch (e) {
      return deploy(errorOf(e).message);
    }
    const plans = base.services.map((s) => ({
      s,
      change: classifyChange(base.records.get(s.name), next.get(s.name), opts.sync ? s.pairs : undefined),
    }));
    // After a failed deploy, any real change tries again (an event from pctl's own files does not).
    const touched = plans.find((p) => p.change.kind !== 'none');
    if (pendingDeploy && touched) return deploy(`${touched.s.name} changed after the failed deploy`);
    const redeploy = plans.find((p) => p.change.kind === 'deploy');
    if (redeploy && redeploy.change.kind === 'deploy') return deploy(`${redeploy.s.name}: ${redeploy.change.why}`);
    const { state } = await backendOf(base.session).read();
    for (const { s, change } of plans) {
      if (change.kind !== 'sync') continue;
      try {
        const r = await s.provider.sync!({
          ctx: base.session.ctx,
          key: s.target.key,
          entry: state[s.target.key],
          batches: batches({ target: s.target, pairs: s.pairs! }, change.changed, change.deleted),
          all: sinceDeploy(s, deployed.get(s.name), next.get(s.name)),
        });
        if (r.full) tracking.add(s.name);
        // Synced: the running containers hold what a build of these records would copy.
        base.records.set(s.name, next.get(s.name));
        summary.syncs++;
        const what = [
          change.changed.length ? `${change.changed.length} file${change.changed.length === 1 ? '' : 's'}` : '',
          change.deleted.length ? `${change.deleted.length} removal${change.deleted.length === 1 ? '' : 's'}` : '',
        ].filter(Boolean);
        sink.event({
          event: 'synced',
          service: s.name,
          files: change.changed.length,
          deleted: change.deleted.length,
          containers: r.containers,
          text: `${s.name}: synced ${what.join(' and ')} to ${r.containers.join(', ') || 'no container'}`,
        });
      } catch (e) {
        const error = errorOf(e);
        sink.event({ event: 'syncFailed', service: s.name, error, text: `${s.name}: sync failed: ${error.message}` });
      }
    }
  };

  await deploy('starting');
  const watcher = new Watcher(
    opts.debounceMs ?? 200,
    () => round(),
    (e) =>
      sink.event({ event: 'watchFailed', error: errorOf(e), text: `watching files failed: ${(e as Error).message}` }),
  );
  const folders = watcher.watch(base);
  watcher.afterRound = () => watcher.watch(base);
  const names = base.services.map((s) => s.name);
  // Said once: the built services whose every change is a redeploy, and why.
  const redeployOnly = base.services.flatMap((s) => {
    if (!s.target.build || (opts.sync && s.pairs)) return [];
    const why = !opts.sync
      ? '--no-sync'
      : !s.provider.sync
        ? `provider ${s.provider.name} cannot sync`
        : 'its Dockerfile has no COPY to an absolute folder';
    return [{ service: s.name, why }];
  });
  const also = redeployOnly.length
    ? `; ${redeployOnly.map((r) => `${r.service} redeploys on every change (${r.why})`).join(', ')}`
    : '';
  sink.event({
    event: 'watching',
    services: names,
    folders,
    redeployOnly,
    text: `watching ${names.join(', ') || 'no service'} and ${path.basename(opts.configPath)} for changes (Ctrl-C stops; the stack stays up)${also}`,
  });
  // A container that started since a sync (a restart, a replaced pod) gets the synced files.
  const said = new Map<string, string>();
  const stopCatchUp = every(
    opts.catchUpMs ?? 1000,
    (work) => watcher.exclusive(work),
    () =>
      catchUp({
        base,
        deployed,
        tracking,
        said,
        sink: {
          synced: (e) => sink.event({ event: 'synced', ...e }),
          failed: (e) => sink.event({ event: 'syncFailed', ...e }),
        },
      }),
  );
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) return resolve();
    opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  stopCatchUp();
  await watcher.close();
  await streams.close();
  return summary;
}
