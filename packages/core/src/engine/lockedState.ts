// The state under the stack's lock, for the commands that change it (deploy, destroy).
import type { BackendLock } from '../state/backend/types.js';
import { describeHolder } from '../state/holder.js';
import { StateStore } from '../state/stateStore.js';
import type { Session } from './session.js';
import { Events } from '../reporter.js';
import { backendOf } from './stateBackend.js';

// Opens the state under the stack's lock, runs `fn`, always releases the lock.
export async function withLockedState<T>(
  session: Session,
  command: string,
  fn: (store: StateStore) => Promise<T>,
): Promise<T> {
  const backend = backendOf(session);
  const lock: BackendLock = await backend.lock({
    wait: session.opts.wait,
    timeoutMs: session.opts.lockTimeoutMs ?? 0,
    command,
    signal: session.opts.signal,
    onWait: (o) =>
      session.ctx.reporter.warn(
        `waiting for the lock: held by ${o ? describeHolder(o) : 'another run'}`,
        undefined,
        Events.LockWait,
      ),
  });
  try {
    const store = await StateStore.openBackend(backend);
    return await fn(store);
  } finally {
    await lock.release();
  }
}
