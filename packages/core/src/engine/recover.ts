// `pctl state recover`: rebuilds a lost or corrupt state file from the labels of what
// really exists. Recovered entries carry no fingerprint, so the next deploy redeploys
// (and adopts) them; nothing is forgotten.
import { promises as fs } from 'node:fs';
import type { FoundResource } from '../contract.js';
import { PctlError } from '../errors.js';
import { pctlLabels } from '../labels.js';
import { serviceOfKey } from '../serviceKey.js';
import type { StateBackend } from '../state/backend/types.js';
import type { StateFile } from '../state/types.js';
import { recoveredEntry } from './entry.js';
import { openSession, type SessionOptions } from './session.js';
import { backendOf } from './stateBackend.js';

export interface RecoverPlan {
  stateFile: string;
  backend: StateBackend;
  /** The version the state was read at (undefined: none, or unreadable). */
  version?: string;
  found: (FoundResource & { provider: string })[];
  next: StateFile;
  /** Why the current file is being replaced. */
  current: 'missing' | 'corrupt' | 'valid';
}

export async function planRecover(opts: SessionOptions): Promise<RecoverPlan> {
  const session = await openSession(opts);
  const { ctx } = session;
  const backend = backendOf(session);
  let current: RecoverPlan['current'] = 'valid';
  let existing: StateFile = {};
  let version: string | undefined;
  try {
    ({ state: existing, version } = await backend.read());
    if (Object.keys(existing).length === 0) current = 'missing';
  } catch {
    current = 'corrupt';
  }
  const found: RecoverPlan['found'] = [];
  for (const name of new Set(Object.values(ctx.config.services).map((s) => s.provider.name))) {
    const p = await session.provider(name);
    if (p.kind !== 'v1' || !p.provider.discover) continue;
    // Only what carries every pctl label with a key that parses: a container a user ran from
    // a pctl image inherits the image's labels but has no (or a foreign) pctl-service.
    for (const r of await p.provider.discover({ ctx }))
      if (serviceOfKey(ctx.stack, r.key) !== undefined) found.push({ ...r, provider: name });
  }
  const next: StateFile = current === 'valid' ? structuredClone(existing) : {};
  for (const r of found) {
    if (next[r.key] && !next[r.key]!.destroyed) continue;
    next[r.key] = recoveredEntry(r.provider, pctlLabels(ctx.stack, serviceOfKey(ctx.stack, r.key)!));
  }
  return { stateFile: backend.where, backend, version, found, next, current };
}

// Writes the recovered state under the stack lock, keeping a corrupt file aside.
export async function applyRecover(plan: RecoverPlan): Promise<string | undefined> {
  const { backend } = plan;
  const lock = await backend.lock({ wait: false, command: 'state recover' });
  try {
    let aside: string | undefined;
    if (plan.current === 'corrupt') {
      if (backend.kind !== 'local') {
        throw new PctlError({
          code: 'StateCorrupt',
          message: `state ${plan.stateFile} cannot be read; recover does not write over it`,
          fault: 'user',
          exitCode: 1,
          hint: 'restore an earlier version: `pctl state history`, then `pctl state pull --version-id <id> -o f` and `pctl state push --force`',
        });
      }
      aside = `${plan.stateFile}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(plan.stateFile, aside);
    }
    await backend.write(plan.next, plan.current === 'corrupt' ? undefined : plan.version);
    return aside;
  } finally {
    await lock.release();
  }
}

export function noTtyForConfirm(): PctlError {
  return new PctlError({
    code: 'ConfirmationNeeded',
    message: 'state recover needs confirmation',
    fault: 'user',
    hint: 'run it in a terminal, or pass --yes',
  });
}
