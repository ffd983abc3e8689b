// The state backend of a run: `--state` / PCTL_STATE, else the stack file's `state:`, else
// the local file. One per session, so every phase reads and writes the same place.
import { stateBackend, type StateBackend } from '../state/backend/index.js';
import type { Session } from './session.js';

const chosen = new WeakMap<Session, StateBackend>();

export function backendOf(session: Session): StateBackend {
  let b = chosen.get(session);
  if (!b) {
    b = stateBackend({
      cwd: session.opts.cwd,
      stack: session.ctx.stack,
      config: session.loaded.config.state,
      url: session.opts.stateUrl,
    });
    chosen.set(session, b);
  }
  return b;
}
