// Deploy's build phase: every changed service's image first, so a broken build stops the run
// before anything is replaced.
import { toPctlError } from '../../errors.js';
import { buildForTargets } from '../deployImages.js';
import { interrupted, type DeployRun } from './run.js';

export async function buildImages(run: DeployRun): Promise<void> {
  const changed = run.items.filter((i) => i.action !== 'unchanged').map((i) => run.byKey.get(i.key)!);
  try {
    await buildForTargets(run.session.ctx, changed, run.all, run.signal);
  } catch (e) {
    run.failed = { phase: 'build', error: run.signal.aborted ? interrupted() : toPctlError(e) };
  }
}
