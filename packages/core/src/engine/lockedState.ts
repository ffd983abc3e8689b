// The state file under the stack's lock, for the commands that change it (deploy, destroy).
import { acquireLock, type HeldLock } from '../state/lock.js';
import { StateStore, statePath } from '../state/store.js';
import type { Session } from './session.js';
import { Events } from '../reporter.js';

// Opens the state under the stack's lock, runs `fn`, always releases the lock.
export async function withLockedState<T>(session: Session, command: string, fn: (store: StateStore) => Promise<T>): Promise<T> {
  const file = statePath(session.opts.cwd, session.ctx.stack);
  const lock: HeldLock = await acquireLock(file, {
    wait: session.opts.wait,
    timeoutMs: session.opts.lockTimeoutMs ?? 0,
    command,
    signal: session.opts.signal,
    onWait: (o) => session.ctx.reporter.warn(`waiting for the lock: held by ${o ? `pid ${o.pid} on ${o.host} (${o.command}, since ${o.startedAt})` : 'another run'}`, undefined, Events.LockWait),
  });
  try {
    const store = await StateStore.open(file);
    return await fn(store);
  } finally {
    await lock.release();
  }
}
