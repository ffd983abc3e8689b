// `pctl deploy`: plan, build, deploy changed services in dependency order, remove orphans.
import { PctlError, toPctlError } from '../errors.js';
import { acquireLock, type HeldLock } from '../state/lock.js';
import { StateStore, statePath } from '../state/store.js';
import type { StateEntry } from '../state/types.js';
import { buildForTargets, pushForTarget, removeReplacedImage } from './images.js';
import { decide, findOrphans, type PlanItem } from './plan.js';
import { runGraph } from './graph.js';
import { openSession, requireKnownServices, type Session, type SessionOptions } from './session.js';
import { computeTargets, type PlannedTarget } from './targets.js';
import { runLegacyProviders } from '../providers/legacy.js';
import { removeLeakedImages, stackBuildsImages } from './imageCleanup.js';
import { builtForStack } from '../image/engineImages.js';
import { buildsMayHaveLeaked, clearBuilding } from './buildMarker.js';
import { adoptOne, planAdoption, writtenByOriginal } from './adopt.js';
import { scrubSecrets } from '../output/mask.js';

export interface ServiceOutcome {
  key: string;
  service?: string;
  provider: string;
  action: PlanItem['action'];
  reason: string;
  result: 'deployed' | 'adopted' | 'skipped' | 'removed' | 'failed' | 'not-started' | 'destroyed' | 'planned';
  image?: string;
  error?: string;
}

export interface RunResult {
  command: string;
  stack: string;
  stateFile: string;
  ok: boolean;
  services: ServiceOutcome[];
  error?: PctlError;
}

// Opens the state under the stack's lock, runs `fn`, always releases the lock.
export async function withLockedState<T>(session: Session, command: string, fn: (store: StateStore) => Promise<T>): Promise<T> {
  const file = statePath(session.opts.cwd, session.ctx.stack);
  const lock: HeldLock = await acquireLock(file, {
    wait: session.opts.wait,
    timeoutMs: session.opts.lockTimeoutMs ?? 0,
    command,
    signal: session.opts.signal,
    onWait: (o) => session.ctx.reporter.warn(`waiting for the lock: held by ${o ? `pid ${o.pid} on ${o.host} (${o.command}, since ${o.startedAt})` : 'another run'}`, undefined, 'LockWait'),
  });
  try {
    const store = await StateStore.open(file);
    return await fn(store);
  } finally {
    await lock.release();
  }
}

// What deploy would do per service; `adopt: false` (render) asks no provider about what runs.
export async function planDeploy(session: Session, store: StateStore, opts: { only?: string[]; adopt?: boolean } = {}) {
  const all = await computeTargets({ stack: session.ctx.stack, config: session.loaded.config, configDir: session.ctx.configDir, cwd: session.ctx.cwd, secrets: session.loaded.secrets });
  const legacyNames = new Set([...session.providers.entries()].filter(([, p]) => p.kind !== 'v1').map(([n]) => n));
  const managed = all.filter((t) => !legacyNames.has(t.service.provider.name));
  const only = opts.only?.length ? new Set(opts.only) : undefined;
  const selected = only ? managed.filter((t) => only.has(t.name)) : managed;
  const items = await Promise.all(selected.map(async (t) => {
    const previous = store.get(t.key);
    const item = decide(t, previous, false);
    if (item.action === 'update' && previous && opts.adopt !== false) return planAdoption(session, t, previous, item);
    if (item.action !== 'unchanged' || !previous) return item;
    // The provider may know the entry is out of date although the fingerprint is not.
    const p = session.providers.get(t.service.provider.name);
    const why = p?.kind === 'v1' ? p.provider.outdated?.(previous) : undefined;
    return why ? { ...item, action: 'update' as const, reason: why } : item;
  }));
  const orphans = opts.only?.length ? [] : findOrphans(store.entries(), all).filter((o) => !legacyNames.has(o.provider));
  return { all, selected, items, orphans };
}

export async function runDeploy(opts: SessionOptions & { only?: string[] }): Promise<RunResult> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const { ctx } = session;
  const file = statePath(opts.cwd, ctx.stack);
  const outcomes = new Map<string, ServiceOutcome>();
  let failure: PctlError | undefined;
  await withLockedState(session, 'deploy', async (store) => {
    const { all, selected, items, orphans } = await planDeploy(session, store, { only: opts.only });
    const byKey = new Map(selected.map((t) => [t.key, t]));
    const replaced = new Set<string>();
    for (const it of items) outcomes.set(it.key, { ...it, result: 'not-started', image: byKey.get(it.key)?.image.ref });
    const changed = items.filter((i) => i.action !== 'unchanged').map((i) => byKey.get(i.key)!);

    // Build everything first: a broken build stops the run before anything is replaced.
    try {
      await buildForTargets(ctx, changed, all, opts.signal);
    } catch (e) {
      failure = opts.signal.aborted ? interrupted() : toPctlError(e);
      return;
    }

    const nameToKey = new Map(selected.map((t) => [t.name, t.key]));
    const tasks = selected.map((t) => ({ id: t.key, deps: (t.service.dependsOn ?? []).map((d) => nameToKey.get(d)).filter((k): k is string => !!k) }));
    const itemByKey = new Map(items.map((i) => [i.key, i]));
    const graph = await runGraph(
      tasks,
      async (key) => {
        let item = itemByKey.get(key)!;
        const target = byKey.get(key)!;
        const out = outcomes.get(key)!;
        if (item.action === 'unchanged') {
          ctx.reporter.info('unchanged, skipping', key, 'ServiceUnchanged');
          out.result = 'skipped';
          return;
        }
        if (item.action === 'adopt') {
          // A platform that cannot be asked (a registry that refuses reads) leaves the usual deploy.
          const why = await adoptOne(session, store, target).catch((e: unknown) => {
            if (opts.signal.aborted) throw e;
            return `what runs could not be checked (${toPctlError(e).message})`;
          });
          if (!why) {
            out.result = 'adopted';
            ctx.reporter.info('adopted: kept what the original pctl runs', key, 'ServiceAdopted');
            return;
          }
          item = { ...item, action: 'update', reason: `not adopted: ${why}` };
          Object.assign(out, { action: item.action, reason: item.reason });
        }
        ctx.reporter.info(`${item.action === 'create' ? 'creating' : 'updating'} (${item.reason})`, key, 'ServiceDeploying');
        try {
          await deployOne(session, store, target, item, replaced);
          out.result = 'deployed';
          ctx.reporter.info('deployed', key, 'ServiceDeployed', { image: target.image.ref });
        } catch (e) {
          const err = toPctlError(e);
          out.result = 'failed';
          out.error = err.message;
          ctx.reporter.emit({ level: 'error', code: 'ServiceFailed', text: err.oneLine(), subject: key });
          throw err;
        }
      },
      { concurrency: opts.concurrency, signal: opts.signal },
    );
    if (graph.failed.length) {
      const first = graph.failed[0]!;
      const err = toPctlError(first.error);
      // The error line names the service, once.
      const named = err.message.includes(first.id) ? err.message : `${first.id}: ${err.message}`;
      const more = graph.failed.length > 1 ? ` (and ${graph.failed.length - 1} more failed)` : '';
      failure = new PctlError({ code: err.code, message: `${named}${more}`, fault: err.fault, hint: err.hint, detail: err.detail, exitCode: err.exitCode });
      await removeReplacedImages(session, store, replaced, all).catch(() => undefined);
      return;
    }
    if (opts.signal.aborted) {
      failure = interrupted();
      await removeReplacedImages(session, store, replaced, all).catch(() => undefined);
      return;
    }

    // Orphans go only after every current service deployed, so a failed deploy removes nothing.
    for (const orphan of orphans) {
      const entry = store.get(orphan.key)!;
      outcomes.set(orphan.key, { ...orphan, result: 'not-started' });
      try {
        const loaded = await session.provider(entry.provider);
        // A bare-function provider (or plugin) keeps its own entries.
        if (loaded.kind !== 'v1') {
          outcomes.delete(orphan.key);
          continue;
        }
        const p = loaded.provider;
        ctx.reporter.info('removing (gone from the config)', orphan.key, 'OrphanRemoving');
        await p.destroy({ ctx, key: orphan.key, entry });
        await store.set(orphan.key, undefined);
        outcomes.get(orphan.key)!.result = 'removed';
        ctx.reporter.info('removed', orphan.key, 'OrphanRemoved');
      } catch (e) {
        failure = toPctlError(e);
        outcomes.get(orphan.key)!.result = 'failed';
        outcomes.get(orphan.key)!.error = failure.message;
        return;
      }
    }
    await removeReplacedImages(session, store, replaced, all);
    await runLegacyProviders({ providers: session.providers, config: session.loaded.config, reporter: session.ctx.reporter }, 'deploy', store);
    // Builds a killed run left (tagged or not) go, keeping what state and this config run.
    // Only after a run that started builds (this one, or one killed mid-build): a no-op
    // deploy never speaks to the engine.
    if (stackBuildsImages(ctx, store.entries()) && buildsMayHaveLeaked(ctx.cwd, ctx.stack)) {
      const keep = [...store.entries().filter(([, e]) => !e.destroyed && e.image).map(([, e]) => e.image!), ...all.map((t) => t.image.ref)];
      const sweep = await removeLeakedImages(ctx, keep);
      if (!sweep.failed) clearBuilding(ctx.cwd, ctx.stack);
    }
  });
  return { command: 'deploy', stack: ctx.stack, stateFile: file, ok: !failure, services: [...outcomes.values()], error: failure };
}

function interrupted(): PctlError {
  return new PctlError({ code: 'Interrupted', message: 'interrupted: stopped before all services were deployed; the state file records what was done', fault: 'user', exitCode: 130 });
}

async function deployOne(session: Session, store: StateStore, target: PlannedTarget, item: PlanItem, replaced: Set<string>): Promise<void> {
  const { ctx } = session;
  let previous = store.get(target.key);
  // Moving between providers: the old platform's resources go first.
  if (item.previousProvider && previous && !previous.destroyed) {
    const old = await session.v1(item.previousProvider);
    await old.destroy({ ctx, key: target.key, entry: previous });
    previous = { ...previous, destroyed: true };
    await store.set(target.key, previous);
  }
  const provider = await session.v1(target.service.provider.name);
  // Intent first: if pctl dies mid-deploy, the entry (pending, labels) still leads to what it made.
  const intent: StateEntry = {
    ...(previous && !previous.destroyed ? previous : {}),
    provider: provider.name,
    labels: target.labels,
    image: (previous && !previous.destroyed ? previous.image : target.image.ref) || undefined,
    pending: true,
    destroyed: false,
  };
  await store.set(target.key, scrubSecrets(intent, ctx.secrets));
  let pushedByPctl = Boolean(previous?.pushedByPctl) && previous?.image === target.image.ref;
  const registry = target.service.registry;
  const needsPush = provider.needsPush ? provider.needsPush(target.service.provider.options ?? {}, target.service) : true;
  if (registry && target.image.builtByPctl && needsPush && !ctx.flags.skipPush) {
    pushedByPctl = (await pushForTarget(ctx, target, registry)) || pushedByPctl;
  }
  const entry = scrubSecrets(await provider.deploy({ ctx, target, previous }), ctx.secrets);
  const { pending: _p, destroyed: _d, ...rest } = entry;
  // An image ref or label built from a secret is stored masked, like everything else.
  await store.set(target.key, scrubSecrets({
    ...rest,
    provider: provider.name,
    image: target.image.ref || undefined,
    labels: { ...target.labels, ...(entry.labels ?? {}) },
    fingerprint: target.fingerprint,
    buildHash: target.image.buildHash,
    configHash: target.configHash,
    optionsHash: target.optionsHash,
    builtByPctl: target.image.builtByPctl,
    pushedByPctl,
  }, ctx.secrets));
  const oldImage = previous && !previous.destroyed && previous.builtByPctl ? previous.image : undefined;
  // Only an image whose labels say pctl built it for this stack (the entry alone is no proof).
  if (oldImage && oldImage !== target.image.ref && (await builtForStack(ctx, oldImage, ctx.stack))) replaced.add(oldImage);
  // The image the original pctl built for the service (adopted or not) goes once nothing runs it.
  const original = previous && !previous.destroyed ? (previous.originalImage ?? (writtenByOriginal(previous) && previous.pushedByPctl ? previous.image : undefined)) : undefined;
  if (original && original !== target.image.ref) replaced.add(original);
}

// Images pctl built locally that this run replaced go once no service runs them any more
// (checked after the whole run: services sharing an image move one after the other).
async function removeReplacedImages(session: Session, store: StateStore, replaced: Set<string>, targets: PlannedTarget[]): Promise<void> {
  if (!replaced.size) return;
  // Once for all: a scan of every entry per replaced image was quadratic when all were rebuilt.
  const used = new Set([...store.entries().filter(([, e]) => !e.destroyed).map(([, e]) => e.image), ...targets.map((t) => t.image.ref)]);
  for (const ref of replaced) await removeReplacedImage(session.ctx, ref, used.has(ref));
}
