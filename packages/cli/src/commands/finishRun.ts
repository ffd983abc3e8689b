// The end of `pctl deploy` and `pctl destroy`: the result in the JSON document, a summary
// on stderr, and the run's error (if any) as the command's error.
import type { RunResult } from '@pctl/core';
import type { Invocation } from '../invocation.js';
import { summarize } from '../render.js';
import { runResultJson } from './runResultJson.js';

export function finishRun(inv: Invocation, result: RunResult): void {
  inv.sink.result(runResultJson(result));
  inv.sink.note(summarize(result));
  if (result.error) throw result.error;
}
