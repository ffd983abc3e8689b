// One deploy under the stack's lock, as its phases share it: what was planned, what became of
// each service, and the first failure, which stops the phases after it.
import { PctlError } from '../../errors.js';
import type { StateStore } from '../../state/stateStore.js';
import type { ServiceOutcome } from '../outcome.js';
import type { PlanItem } from '../plan.js';
import type { Session } from '../session.js';
import type { PlannedTarget } from '../targets.js';

export interface DeployRun {
  session: Session;
  store: StateStore;
  /** Aborted on the first interrupt: no new service starts. */
  signal: AbortSignal;
  concurrency: number;
  /** Every service of the stack file (builds, orphans and image cleanup look at all of them). */
  all: PlannedTarget[];
  /** The services this run deploys: all, or those named on the command line. */
  selected: PlannedTarget[];
  byKey: Map<string, PlannedTarget>;
  items: PlanItem[];
  orphans: PlanItem[];
  outcomes: Map<string, ServiceOutcome>;
  /** Images pctl built that this run replaced: they go once no service runs them. */
  replaced: Set<string>;
  failed?: { phase: 'build' | 'apply' | 'orphans'; error: PctlError };
}

export function interrupted(): PctlError {
  return new PctlError({
    code: 'Interrupted',
    message: 'interrupted: stopped before all services were deployed; the state file records what was done',
    fault: 'user',
    exitCode: 130,
  });
}
