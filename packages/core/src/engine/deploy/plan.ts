// What deploy would do per service (plan and status ask the same), and the run deploy builds on it.
import type { StateStore } from '../../state/stateStore.js';
import { planAdoption } from '../adopt.js';
import type { ServiceOutcome } from '../outcome.js';
import { decide, findOrphans } from '../plan.js';
import type { Session } from '../session.js';
import { computeTargets } from '../targets.js';
import type { DeployRun } from './run.js';

// What deploy would do per service; `adopt: false` (render) asks no provider about what runs.
export async function planDeploy(session: Session, store: StateStore, opts: { only?: string[]; adopt?: boolean } = {}) {
  const all = await computeTargets({
    stack: session.ctx.stack,
    config: session.loaded.config,
    configDir: session.ctx.configDir,
    cwd: session.ctx.cwd,
    secrets: session.loaded.secrets,
  });
  const legacyNames = new Set([...session.providers.entries()].filter(([, p]) => p.kind !== 'v1').map(([n]) => n));
  const managed = all.filter((t) => !legacyNames.has(t.service.provider.name));
  const only = opts.only?.length ? new Set(opts.only) : undefined;
  const selected = only ? managed.filter((t) => only.has(t.name)) : managed;
  const items = await Promise.all(
    selected.map(async (t) => {
      const previous = store.get(t.key);
      const item = decide(t, previous, false);
      if (item.action === 'update' && previous && opts.adopt !== false) return planAdoption(session, t, previous, item);
      if (item.action !== 'unchanged' || !previous) return item;
      // The provider may know the entry is out of date although the fingerprint is not.
      const p = session.providers.get(t.service.provider.name);
      const why = p?.kind === 'v1' ? p.provider.outdated?.(previous) : undefined;
      return why ? { ...item, action: 'update' as const, reason: why } : item;
    }),
  );
  const orphans = opts.only?.length
    ? []
    : findOrphans(store.entries(), all).filter((o) => !legacyNames.has(o.provider));
  return { all, selected, items, orphans };
}

// Deploy's plan phase: every planned service starts as not-started.
export async function planRun(
  session: Session,
  store: StateStore,
  opts: { only?: string[]; signal: AbortSignal; concurrency: number },
): Promise<DeployRun> {
  const { all, selected, items, orphans } = await planDeploy(session, store, { only: opts.only });
  const byKey = new Map(selected.map((t) => [t.key, t]));
  const outcomes = new Map<string, ServiceOutcome>(
    items.map((it) => [it.key, { ...it, result: 'not-started', image: byKey.get(it.key)?.image.ref }]),
  );
  return {
    session,
    store,
    signal: opts.signal,
    concurrency: opts.concurrency,
    all,
    selected,
    byKey,
    items,
    orphans,
    outcomes,
    replaced: new Set(),
  };
}
