// The state as plan and render read it: they write nothing, so a read-only file is fine.
import { readStateFile, StateStore } from '../state/store.js';

export async function readOnlyStore(file: string): Promise<StateStore> {
  return StateStore.fromState(file, await readStateFile(file));
}
