// The JSON fields of a deploy, destroy or plan result: the same shape for all three.
import type { RunResult } from '@pctl/core';

export function runResultJson(r: RunResult): Record<string, unknown> {
  return { stack: r.stack, stateFile: r.stateFile, services: r.services };
}
