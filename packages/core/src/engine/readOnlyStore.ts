// The state as plan and render read it: they write nothing, so a read-only file is fine.
import type { StateBackend } from '../state/backend/types.js';
import { StateStore } from '../state/stateStore.js';

export async function readOnlyStore(backend: StateBackend): Promise<StateStore> {
  return StateStore.fromState(backend.where, (await backend.read()).state);
}
