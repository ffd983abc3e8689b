// The first deploy after migrating from the original pctl: a service whose definition and
// Dockerfile are unchanged since the original deployed it (its fingerprint says so) is kept
// as it runs when its provider also proves that what runs is what pctl would run; pctl then
// records its own entry instead of recreating the service. Anything else deploys as usual,
// with the reason.
import { toPctlError } from '../errors.js';
import type { StateEntry } from '../state/types.js';
import type { StateStore } from '../state/stateStore.js';
import { recordedEntry } from './entry.js';
import { releaseNote } from './releaseImage.js';
import { originalFingerprints } from './originalFingerprint.js';
import type { PlanItem } from './plan.js';
import { type Session } from './session.js';
import type { PlannedTarget } from './targets.js';

// An entry the original pctl wrote: a fingerprint, none of the hashes pctl records with it.
export function writtenByOriginal(e: StateEntry): boolean {
  return (
    typeof e.fingerprint === 'string' &&
    !e.destroyed &&
    !e.pending &&
    e.configHash === undefined &&
    e.optionsHash === undefined &&
    e.buildHash === undefined
  );
}

// Why the original's fingerprint does not vouch for the service as it is now; undefined when it does.
function fingerprintMismatch(session: Session, target: PlannedTarget, previous: StateEntry): string | undefined {
  const written = session.loaded.resolvedServices?.[target.name];
  if (!written || typeof written !== 'object')
    return 'written by the original pctl; the service is not in the stack file as written';
  if (!originalFingerprints(written as Record<string, unknown>, session.ctx.configDir).has(previous.fingerprint!)) {
    return 'written by the original pctl; the service or its Dockerfile changed since (the fingerprint differs)';
  }
  return undefined;
}

// For `plan` (and deploy's plan): `adopt` when the original's fingerprint matches and the
// provider finds what runs as configured, else `update` saying why not. Touches nothing.
export async function planAdoption(
  session: Session,
  target: PlannedTarget,
  previous: StateEntry,
  item: PlanItem,
): Promise<PlanItem> {
  if (item.action !== 'update' || item.previousProvider || !writtenByOriginal(previous)) return item;
  const mismatch = fingerprintMismatch(session, target, previous);
  if (mismatch) return { ...item, reason: mismatch };
  const provider = await session.v1(target.service.provider.name);
  if (!provider.adopt)
    return { ...item, reason: `written by the original pctl; provider ${provider.name} cannot adopt what runs` };
  let r;
  try {
    r = await provider.adopt({ ctx: session.ctx, target, previous, mode: 'plan' });
  } catch (e) {
    // A plan still answers when the platform does not: the service is then deployed as usual.
    return {
      ...item,
      reason: `written by the original pctl; what runs could not be checked (${toPctlError(e).message})`,
    };
  }
  if (!r.adopt) return { ...item, reason: `not adopted: ${r.reason}` };
  return {
    ...item,
    action: 'adopt',
    reason: `deployed by the original pctl, unchanged since${r.note ? `; ${r.note}` : ''}`,
  };
}

// Deploy's last word, after the image is built: keeps what runs and records pctl's entry,
// returning undefined; or returns why the service must be deployed after all.
export async function adoptOne(
  session: Session,
  store: StateStore,
  target: PlannedTarget,
): Promise<string | undefined> {
  const { ctx } = session;
  const previous = store.get(target.key);
  if (!previous || !writtenByOriginal(previous)) return 'the state entry changed since the plan';
  const provider = await session.v1(target.service.provider.name);
  if (!provider.adopt) return `provider ${provider.name} cannot adopt what runs`;
  const r = await provider.adopt({ ctx, target, previous, mode: 'deploy' });
  if (!r.adopt) return r.reason;
  await store.set(
    target.key,
    recordedEntry({
      own: r.entry,
      target,
      provider: provider.name,
      pushedByPctl: false,
      secrets: ctx.secrets,
      previous,
      release: await releaseNote(ctx, target),
    }),
  );
  return undefined;
}
