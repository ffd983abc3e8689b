// A provider's deploy runs after core wrote the intent (entry.ts: `pending`). When it fails
// saying it left the service as it was (`unchanged`: a start-first replacement whose new
// version failed its gate, the old one serving on), the previous entry is written back: the
// service is not an unfinished deploy, `pctl history` still names the release that serves,
// and a stack file back at that version deploys nothing.
import { toPctlError } from '../errors.js';
import type { StateStore } from '../state/stateStore.js';
import type { StateEntry } from '../state/types.js';

export async function deployKeepingEntry<T>(
  store: StateStore,
  key: string,
  previous: StateEntry | undefined,
  deploy: () => Promise<T>,
): Promise<T> {
  try {
    return await deploy();
  } catch (e) {
    // toPctlError keeps the mark of an error of another copy of the module.
    if (previous && !previous.destroyed && toPctlError(e).unchanged) await store.set(key, previous);
    throw e;
  }
}
