// The state entry, assembled here alone. A provider returns its own fields (where the service
// runs, what it made); core records the rest: the provider, image, labels, fingerprint and
// hashes, what pctl built and pushed, and whether a deploy is under way or the service is gone.
import { scrubSecrets } from '../output/mask.js';
import type { StateEntry } from '../state/types.js';
import type { PlannedTarget } from './targets.js';

const live = (e: StateEntry | undefined) => (e && !e.destroyed ? e : undefined);

// Written before the provider is called: if pctl dies mid-deploy, the entry (pending, labels) still leads to what it made.
export function intentEntry(p: { previous?: StateEntry; target: PlannedTarget; provider: string; secrets: readonly string[] }): StateEntry {
  const previous = live(p.previous);
  return scrubSecrets({
    ...(previous ?? {}),
    provider: p.provider,
    labels: p.target.labels,
    image: (previous ? previous.image : p.target.image.ref) || undefined,
    pending: true,
    destroyed: false,
  }, p.secrets);
}

// What a deploy or an adoption leaves: the provider's fields, then core's, every secret masked
// (an image ref or label built from a secret is stored masked, like everything else).
export function recordedEntry(p: { own: StateEntry; target: PlannedTarget; provider: string; pushedByPctl: boolean; secrets: readonly string[] }): StateEntry {
  const { pending: _p, destroyed: _d, ...own } = p.own;
  const { target } = p;
  return scrubSecrets({
    ...own,
    provider: p.provider,
    image: target.image.ref || undefined,
    // A provider may add labels, never change pctl's (they say which stack and service own what it made).
    labels: { ...(own.labels ?? {}), ...target.labels },
    fingerprint: target.fingerprint,
    buildHash: target.image.buildHash,
    configHash: target.configHash,
    optionsHash: target.optionsHash,
    builtByPctl: target.image.builtByPctl,
    pushedByPctl: p.pushedByPctl,
  }, p.secrets);
}

// A service whose resources its provider removed: the entry stays, so what it recorded is known.
export function destroyedEntry(e: StateEntry): StateEntry {
  return { ...e, pending: false, destroyed: true };
}

// A service `state recover` found running with no entry: the next deploy redeploys it (pending).
export function recoveredEntry(provider: string, labels: Record<string, string>): StateEntry {
  return { provider, labels, pending: true, recovered: true };
}
