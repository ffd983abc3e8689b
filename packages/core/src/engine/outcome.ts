// What a command reports per service and for the whole run (the CLI prints it, or as JSON).
import type { PctlError } from '../errors.js';
import type { PlanItem } from './plan.js';

export interface ServiceOutcome {
  key: string;
  service?: string;
  provider: string;
  action: PlanItem['action'];
  reason: string;
  result: 'deployed' | 'adopted' | 'skipped' | 'removed' | 'failed' | 'not-started' | 'destroyed' | 'planned';
  image?: string;
  error?: string;
}

export interface RunResult {
  command: string;
  stack: string;
  stateFile: string;
  ok: boolean;
  services: ServiceOutcome[];
  error?: PctlError;
}
