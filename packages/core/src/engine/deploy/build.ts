// Deploy's build phase: every changed service's image first, so a broken build stops the run
// before anything is replaced.
import { toPctlError } from '../../errors.js';
import { buildForTargets } from '../deployImages.js';
import { interrupted, type DeployRun } from './run.js';

export async function buildImages(run: DeployRun): Promise<void> {
  const changed = run.items.filter((i) => i.action !== 'unchanged').map((i) => run.byKey.get(i.key)!);
  // The original pctl built with `docker build`, the classic builder where the docker CLI
  // has no buildx: a service it runs is adopted only when pctl's image has the same layers,
  // which a classic build of the same context gives and a BuildKit one does not.
  const adopting = new Set(run.items.filter((i) => i.action === 'adopt').map((i) => run.byKey.get(i.key)!.image.ref));
  try {
    await buildForTargets(run.session.ctx, changed, run.all, run.signal, adopting);
  } catch (e) {
    run.failed = { phase: 'build', error: run.signal.aborted ? interrupted() : toPctlError(e) };
  }
}
