// `pctl deploy`: its phases in order. Each phase records the first failure in the run, and
// the phases after it do not start; cleanup decides for itself what a failed run still cleans.
import { withLockedState } from '../lockedState.js';
import type { RunResult } from '../outcome.js';
import type { SessionOptions } from '../session.js';
import { applyServices } from './apply.js';
import { buildImages } from './build.js';
import { cleanUp } from './cleanup.js';
import { openDeploy } from './open.js';
import { removeOrphans } from './orphans.js';
import { planRun } from './plan.js';
import { settleProviders } from './settle.js';
import { backendOf } from '../stateBackend.js';

export async function runDeploy(opts: SessionOptions & { only?: string[] }): Promise<RunResult> {
  const session = await openDeploy(opts);
  const run = await withLockedState(session, 'deploy', async (store) => {
    const run = await planRun(session, store, opts);
    await buildImages(run);
    if (!run.failed) await applyServices(run);
    if (!run.failed) await removeOrphans(run);
    await settleProviders(session);
    await cleanUp(run);
    return run;
  });
  const { stack } = session.ctx;
  return {
    command: 'deploy',
    stack,
    stateFile: backendOf(session).where,
    ok: !run.failed,
    services: [...run.outcomes.values()],
    error: run.failed?.error,
  };
}
