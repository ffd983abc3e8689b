// One service of the apply phase: skipped when unchanged, adopted when the original pctl's
// service is what pctl would run, deployed otherwise; its outcome says which.
import { toPctlError } from '../../errors.js';
import { adoptOne } from '../adopt.js';
import type { PlanItem } from '../plan.js';
import { deployService } from './deployService.js';
import type { DeployRun } from './run.js';
import { Events } from '../../reporter.js';

export async function applyService(run: DeployRun, planned: PlanItem): Promise<void> {
  const { session, store } = run;
  const { reporter } = session.ctx;
  const { key } = planned;
  const target = run.byKey.get(key)!;
  const out = run.outcomes.get(key)!;
  let item = planned;
  if (item.action === 'unchanged') {
    reporter.info('unchanged, skipping', key, Events.ServiceUnchanged);
    out.result = 'skipped';
    return;
  }
  if (item.action === 'adopt') {
    // A platform that cannot be asked (a registry that refuses reads) leaves the usual deploy.
    const why = await adoptOne(session, store, target).catch((e: unknown) => {
      if (run.signal.aborted) throw e;
      return `what runs could not be checked (${toPctlError(e).message})`;
    });
    if (!why) {
      out.result = 'adopted';
      reporter.info('adopted: kept what the original pctl runs', key, Events.ServiceAdopted);
      return;
    }
    item = { ...item, action: 'update', reason: `not adopted: ${why}` };
    Object.assign(out, { action: item.action, reason: item.reason });
  }
  reporter.info(`${item.action === 'create' ? 'creating' : 'updating'} (${item.reason})`, key, Events.ServiceDeploying);
  try {
    await deployService(run, target, item);
    out.result = 'deployed';
    reporter.info('deployed', key, Events.ServiceDeployed, { image: target.image.ref });
  } catch (e) {
    const err = toPctlError(e);
    out.result = 'failed';
    out.error = err.message;
    reporter.emit({ level: 'error', code: Events.ServiceFailed, text: err.oneLine(), subject: key });
    throw err;
  }
}
