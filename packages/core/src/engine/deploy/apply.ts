// Deploy's apply phase: the services in dependency order, as many at once as --concurrency
// allows; a failure or an interrupt starts no more of them.
import { PctlError, toPctlError } from '../../errors.js';
import { runGraph } from '../../concurrency/graph.js';
import { dependencyNames } from '../../config/dependsOn.js';
import { applyService } from './applyService.js';
import { interrupted, type DeployRun } from './run.js';

export async function applyServices(run: DeployRun): Promise<void> {
  const nameToKey = new Map(run.selected.map((t) => [t.name, t.key]));
  const tasks = run.selected.map((t) => ({
    id: t.key,
    deps: dependencyNames(t.service)
      .map((d) => nameToKey.get(d))
      .filter((k): k is string => !!k),
  }));
  const itemByKey = new Map(run.items.map((i) => [i.key, i]));
  const graph = await runGraph(tasks, (key) => applyService(run, itemByKey.get(key)!), {
    concurrency: run.concurrency,
    signal: run.signal,
  });
  if (graph.failed.length) run.failed = { phase: 'apply', error: firstFailure(graph.failed) };
  else if (run.signal.aborted) run.failed = { phase: 'apply', error: interrupted() };
}

// The first service's error, naming the service once, and how many more failed.
function firstFailure(failed: { id: string; error: unknown }[]): PctlError {
  const first = failed[0]!;
  const err = toPctlError(first.error);
  const named = err.message.includes(first.id) ? err.message : `${first.id}: ${err.message}`;
  const more = failed.length > 1 ? ` (and ${failed.length - 1} more failed)` : '';
  return new PctlError({
    code: err.code,
    message: `${named}${more}`,
    fault: err.fault,
    hint: err.hint,
    detail: err.detail,
    exitCode: err.exitCode,
  });
}
