// What deploys left going on their own ends before the run cleans up: each provider the run
// used is asked to settle (docker: the old containers of a start-first handover drain), so an
// image a draining container still runs is not yet replaced, and pctl does not exit under it.
import { toPctlError } from '../../errors.js';
import type { Session } from '../session.js';

export async function settleProviders(session: Session): Promise<void> {
  const { ctx } = session;
  for (const loaded of session.providers.values()) {
    if (loaded.kind !== 'v1' || !loaded.provider.settle) continue;
    try {
      await loaded.provider.settle({ ctx });
    } catch (e) {
      ctx.reporter.warn(`${loaded.provider.name}: ${toPctlError(e).message}`);
    }
  }
}
