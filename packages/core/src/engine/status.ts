// `pctl plan` and `pctl status`: what deploy would do, and state next to what really runs.
import { statePath, readStateFile } from '../state/store.js';
import { StateStore } from '../state/store.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import { planDeploy } from './deploy/plan.js';
import type { RunResult, ServiceOutcome } from './outcome.js';
import type { ServiceStatus } from '../contract.js';
import { PctlError } from '../errors.js';

// The state as plan and render read it: they write nothing, so a read-only file is fine.
async function readOnlyStore(file: string): Promise<StateStore> {
  return StateStore.fromState(file, await readStateFile(file));
}

// Plans without taking the lock or touching anything.
export async function runPlan(opts: SessionOptions & { only?: string[] }): Promise<RunResult> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const file = statePath(opts.cwd, session.ctx.stack);
  const store = await readOnlyStore(file);
  const { items, orphans, selected } = await planDeploy(session, store, { only: opts.only });
  const refs = new Map(selected.map((t) => [t.key, t.image.ref]));
  const services: ServiceOutcome[] = [...items, ...orphans].map((i) => ({ ...i, result: 'planned', image: refs.get(i.key) }));
  return { command: 'plan', stack: session.ctx.stack, stateFile: file, ok: true, services };
}

// `pctl render`: what deploy would apply, from providers that can say it (Kubernetes
// ones), touching no cluster and no state. Unknown service names are an error.
export async function runRender(opts: SessionOptions & { only?: string[] }): Promise<{ key: string; provider: string; objects: Record<string, unknown>[] }[]> {
  const session = await openSession(opts);
  const file = statePath(opts.cwd, session.ctx.stack);
  const store = await readOnlyStore(file);
  requireKnownServices(session, opts.only);
  const { selected } = await planDeploy(session, store, { only: opts.only, adopt: false });
  const out: { key: string; provider: string; objects: Record<string, unknown>[] }[] = [];
  for (const target of selected) {
    const name = target.service.provider.name;
    const p = await session.v1(name);
    if (!p.render) {
      if (opts.only?.length) throw new PctlError({ code: 'NothingToRender', message: `${target.key}: provider ${name} has no manifests to render`, fault: 'user', hint: 'pctl render shows what Kubernetes providers (kind, aws, gcp) apply' });
      continue;
    }
    out.push({ key: target.key, provider: name, objects: await p.render({ ctx: session.ctx, target, previous: store.get(target.key) }) });
  }
  return out;
}

export interface StatusRow {
  key: string;
  provider: string;
  inState: 'deployed' | 'destroyed' | 'pending' | 'absent';
  inConfig: boolean;
  live: ServiceStatus;
}

export async function runStatus(opts: SessionOptions & { only?: string[] }): Promise<{ stack: string; stateFile: string; rows: StatusRow[] }> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const { ctx } = session;
  const file = statePath(opts.cwd, ctx.stack);
  const state = await readStateFile(file);
  const all = new Set([...Object.keys(state), ...Object.keys(ctx.config.services).map((n) => `${ctx.stack}-${n}`)]);
  const wanted = new Set((opts.only ?? []).map((n) => `${ctx.stack}-${n}`));
  const keys = [...all].filter((k) => !wanted.size || wanted.has(k));
  const rows: StatusRow[] = [];
  for (const key of keys.sort()) {
    const entry = state[key];
    const svc = ctx.config.services[key.slice(ctx.stack.length + 1)];
    const providerName = entry?.provider ?? svc?.provider.name ?? 'unknown';
    let live: ServiceStatus = { state: 'unknown' };
    try {
      const p = await session.v1(providerName);
      if (p.status) live = await p.status({ ctx, key, entry });
    } catch (e) {
      live = { state: 'unknown', detail: (e as Error).message };
    }
    rows.push({
      key,
      provider: providerName,
      inState: !entry ? 'absent' : entry.destroyed ? 'destroyed' : entry.pending ? 'pending' : 'deployed',
      inConfig: Boolean(svc),
      live,
    });
  }
  return { stack: ctx.stack, stateFile: file, rows };
}
