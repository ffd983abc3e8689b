// `pctl state pull | push | history | migrate`: the state of a stack moved between backends
// and files, always under the stack's lock, with conditional writes.
import { isDeepStrictEqual } from 'node:util';
import { loadStack } from '../config/index.js';
import { PctlError } from '../errors.js';
import { backendFor, stateBackend, type StateBackend } from '../state/backend/index.js';
import type { BackendLockOptions } from '../state/backend/types.js';
import { parseStateUrl } from '../state/backend/url.js';
import { parseStateText } from '../state/store.js';
import type { StateFile } from '../state/types.js';

export interface StateCommandOptions {
  configPath: string;
  cwd: string;
  nameOverride?: string;
  stateUrl?: string;
  /** The environment of the stack file (`--env`): its own stack and state. */
  environment?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

// The stack's name, its backend and the loaded stack (for its secrets).
export async function openStateOf(opts: StateCommandOptions) {
  const loaded = await loadStack({
    configPath: opts.configPath,
    cwd: opts.cwd,
    nameOverride: opts.nameOverride,
    environment: opts.environment,
    signal: opts.signal,
    env: opts.env,
  });
  const stack = loaded.config.name;
  return {
    loaded,
    stack,
    backend: stateBackend({ cwd: opts.cwd, stack, config: loaded.config.state, url: opts.stateUrl }),
  };
}

// The backend a `--to URL` names, for the same stack.
export function backendOfUrl(url: string, cwd: string, stack: string): StateBackend {
  return backendFor(parseStateUrl(url), cwd, stack);
}

// Runs `fn` holding the locks of every backend given, in order; releases them all.
async function underLocks<T>(backends: StateBackend[], lockOpts: BackendLockOptions, fn: () => Promise<T>): Promise<T> {
  const held: { release(): Promise<void> }[] = [];
  try {
    for (const b of backends) held.push(await b.lock(lockOpts));
    return await fn();
  } finally {
    for (const h of held.reverse()) await h.release().catch(() => undefined);
  }
}

// A state file's text (as `state pull` writes it) checked as strictly as a state read.
export function parseStateFileText(text: string, where: string): StateFile {
  return parseStateText(text, where, 'pass a file `pctl state pull` wrote');
}

// `state push`: replaces the backend's state by `state` under the lock. Without `force` it
// refuses to forget services the backend's state records and the pushed one does not.
export async function pushState(
  backend: StateBackend,
  state: StateFile,
  opts: { force: boolean; lock: BackendLockOptions },
): Promise<{ where: string; entries: number }> {
  return underLocks([backend], opts.lock, async () => {
    const { state: now, version } = await backend.read();
    const lost = Object.keys(now).filter((k) => !(k in state) && !now[k]!.destroyed);
    if (lost.length && !opts.force) {
      throw new PctlError({
        code: 'StateConflict',
        message: `state ${backend.where} records ${lost.join(', ')}, which the pushed state does not; nothing was written`,
        fault: 'user',
        exitCode: 1,
        hint: 'pull the state first and edit that, or pass --force to replace it anyway',
      });
    }
    await backend.write(state, version);
    return { where: backend.where, entries: Object.keys(state).length };
  });
}

// `state migrate --to`: copies the state under both locks, reads the copy back, and only
// when it is the same removes the source.
export async function migrateState(
  from: StateBackend,
  to: StateBackend,
  opts: { lock: BackendLockOptions },
): Promise<{ from: string; to: string; entries: number }> {
  if (from.where === to.where)
    throw new PctlError({
      code: 'BadUsage',
      message: `the state is already at ${to.where}`,
      fault: 'user',
      exitCode: 2,
    });
  return underLocks([from, to], opts.lock, async () => {
    const { state, version } = await from.read();
    const target = await to.read();
    if (Object.keys(target.state).length > 0) {
      throw new PctlError({
        code: 'StateMigrateFailed',
        message: `${to.where} already holds a state (${Object.keys(target.state).length} entries); nothing was copied`,
        fault: 'user',
        exitCode: 1,
        hint: 'migrate to an empty place, or remove that state first',
      });
    }
    await to.write(state, target.version);
    const copy = (await to.read()).state;
    if (!isDeepStrictEqual(copy, state)) {
      throw new PctlError({
        code: 'StateMigrateFailed',
        message: `the copy at ${to.where} differs from ${from.where}; the source was kept`,
        fault: 'environment',
        exitCode: 1,
      });
    }
    // Only the object read and copied: one written since (by a tool that ignores the lock), or
    // a same-named object pctl did not write, is left where it is.
    if (!(await from.remove(version)))
      throw new PctlError({
        code: 'StateMigrateFailed',
        message: `${from.where} changed after it was copied to ${to.where} (written by something that does not take pctl's lock); it was kept, and the copy holds the state as it was read`,
        fault: 'environment',
        exitCode: 1,
        hint: `look at what wrote ${from.where}; remove whichever of the two is wrong`,
      });
    return { from: from.where, to: to.where, entries: Object.keys(state).length };
  });
}
