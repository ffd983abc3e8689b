// Decides, per service, whether to create, update or skip it, and which entries are orphans.
// A flat chain of guard clauses, each naming why it decided, so "why did it redeploy?" has an answer.
import type { StateEntry } from '../state/types.js';
import type { PlannedTarget } from './targets.js';

/** `adopt`: keep what an earlier tool (the original pctl) runs, recording pctl's own entry. */
export type Action = 'create' | 'update' | 'adopt' | 'unchanged' | 'remove';

export interface PlanItem {
  key: string;
  service?: string;
  provider: string;
  action: Action;
  reason: string;
  /** Set when the service moves between providers: the old one must be destroyed first. */
  previousProvider?: string;
}

export function decide(target: PlannedTarget, previous: StateEntry | undefined, force = false): PlanItem {
  const base = { key: target.key, service: target.name, provider: target.service.provider.name };
  if (!previous) return { ...base, action: 'create', reason: 'new service' };
  if (previous.destroyed) return { ...base, action: 'create', reason: 'was destroyed' };
  if (previous.pending) return { ...base, action: 'update', reason: 'the last deploy of it did not finish' };
  if (previous.provider !== base.provider) {
    return {
      ...base,
      action: 'update',
      reason: `provider changed from ${previous.provider}`,
      previousProvider: previous.provider,
    };
  }
  if (force) return { ...base, action: 'update', reason: 'forced' };
  if (previous.fingerprint === target.fingerprint) return { ...base, action: 'unchanged', reason: 'unchanged' };
  if (typeof previous.buildHash === 'string' && target.buildRecord && previous.buildHash !== target.buildRecord.hash) {
    return { ...base, action: 'update', reason: 'build inputs changed' };
  }
  if (typeof previous.optionsHash === 'string' && previous.optionsHash !== target.optionsHash) {
    return { ...base, action: 'update', reason: 'provider options changed' };
  }
  if (typeof previous.configHash === 'string' && previous.configHash !== target.configHash) {
    return { ...base, action: 'update', reason: 'service config changed' };
  }
  return { ...base, action: 'update', reason: 'fingerprint changed' };
}

// Entries in state, not destroyed, whose service is gone from the config.
export function findOrphans(state: [string, StateEntry][], targets: PlannedTarget[]): PlanItem[] {
  const keys = new Set(targets.map((t) => t.key));
  return state
    .filter(([key, e]) => !keys.has(key) && !e.destroyed)
    .map(([key, e]) => ({ key, provider: e.provider, action: 'remove' as const, reason: 'gone from the config' }));
}
