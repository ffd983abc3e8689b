// `pctl plan`: what deploy would do, without the lock and touching nothing.
import { planDeploy } from './deploy/plan.js';
import type { RunResult, ServiceOutcome } from './outcome.js';
import { readOnlyStore } from './readOnlyStore.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import { backendOf } from './stateBackend.js';

// Plans without taking the lock or touching anything.
export async function runPlan(opts: SessionOptions & { only?: string[] }): Promise<RunResult> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const backend = backendOf(session);
  const store = await readOnlyStore(backend);
  const { items, orphans, selected } = await planDeploy(session, store, { only: opts.only });
  const refs = new Map(selected.map((t) => [t.key, t.image.ref]));
  const services: ServiceOutcome[] = [...items, ...orphans].map((i) => ({
    ...i,
    result: 'planned',
    image: refs.get(i.key),
  }));
  return { command: 'plan', stack: session.ctx.stack, stateFile: backend.where, ok: true, services };
}
