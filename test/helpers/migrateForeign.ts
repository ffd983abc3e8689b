// `pctl state migrate` facing a same-named object pctl did not write (Terraform's state, a
// hand-made Secret), at the source when the migrate starts or written there while it runs (by
// a tool that does not take pctl's lock): the migrate never removes it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { migrateState } from '../../packages/core/src/engine/stateCommands.js';
import { LocalBackend } from '../../packages/core/src/state/backend/local.js';
import type { StateBackend } from '../../packages/core/src/state/backend/types.js';

export interface ForeignPlace {
  /** The backend whose state is at `place`. */
  backend(place: string): StateBackend;
  /** Writes `body` there as a foreign tool would (no pctl envelope, no lock). */
  putForeign(place: string, body: string): void;
  /** What is there now, as text; undefined when nothing is. */
  raw(place: string): string | undefined;
  /** Whether putForeign can replace an object that exists (the Kubernetes test server only creates). */
  canReplace: boolean;
}

const lock = { wait: false, command: 'state migrate' };
const FOREIGN = '{"version":4,"terraform_version":"1.9.0","serial":3,"resources":[]}';

// The backend, but `during` runs right after the migrate read it: another tool writes meanwhile.
function meddled(b: StateBackend, during: () => void): StateBackend {
  return new Proxy(b, {
    get(t, k) {
      if (k === 'read')
        return async () => {
          const r = await t.read();
          during();
          return r;
        };
      const v = Reflect.get(t, k, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

export async function migrateLeavesForeign(f: ForeignPlace, places: { a: string; b: string; c: string }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loose-migrate-'));
  try {
    // A foreign object where the state would be: refused as it is read; kept byte for byte, nothing copied.
    f.putForeign(places.a, FOREIGN);
    const toA = new LocalBackend(path.join(dir, 'a.json'));
    await expect(migrateState(f.backend(places.a), toA, { lock })).rejects.toMatchObject({
      code: expect.stringMatching(/^State(Invalid|Corrupt)$/),
    });
    expect(f.raw(places.a)).toBe(FOREIGN);
    expect((await toA.read()).version).toBeUndefined();

    // No state at the source when read, a foreign object written there during the migrate: left alone.
    const toB = new LocalBackend(path.join(dir, 'b.json'));
    await migrateState(
      meddled(f.backend(places.b), () => f.putForeign(places.b, FOREIGN)),
      toB,
      { lock },
    );
    expect(f.raw(places.b)).toBe(FOREIGN);

    if (!f.canReplace) return;
    // pctl's state, replaced by a foreign object during the migrate: the source is kept, the copy is the state read.
    const ours = f.backend(places.c);
    await ours.write({ 'loose-api': { provider: 'docker' } }, undefined);
    const toC = new LocalBackend(path.join(dir, 'c.json'));
    await expect(
      migrateState(
        meddled(ours, () => f.putForeign(places.c, FOREIGN)),
        toC,
        { lock },
      ),
    ).rejects.toMatchObject({ code: 'StateMigrateFailed', message: expect.stringContaining('it was kept') });
    expect(f.raw(places.c)).toBe(FOREIGN);
    expect((await toC.read()).state).toEqual({ 'loose-api': { provider: 'docker' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
