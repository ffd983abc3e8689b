// Runs tasks in dependency order, independent ones in parallel up to a bound.
import { PctlError } from '../errors.js';

export interface GraphTask {
  id: string;
  deps: string[];
}

export interface GraphResult {
  done: string[];
  failed: { id: string; error: unknown }[];
  /** Not started: a dependency failed, or the run stopped. */
  skipped: string[];
}

// Orders ids so that each comes after its dependencies; throws on a cycle.
export function topoOrder(tasks: GraphTask[]): string[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, chain: string[]) => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new PctlError({ code: 'DependencyCycle', message: `dependsOn cycle: ${[...chain, id].join(' -> ')}`, fault: 'user' });
    }
    state.set(id, 'visiting');
    for (const d of byId.get(id)?.deps ?? []) if (byId.has(d)) visit(d, [...chain, id]);
    state.set(id, 'done');
    out.push(id);
  };
  for (const t of tasks) visit(t.id, []);
  return out;
}

export async function runGraph(
  tasks: GraphTask[],
  run: (id: string) => Promise<void>,
  opts: { concurrency: number; signal?: AbortSignal; failFast?: boolean },
): Promise<GraphResult> {
  topoOrder(tasks);
  const pending = new Map(tasks.map((t) => [t.id, new Set(t.deps.filter((d) => tasks.some((x) => x.id === d)))]));
  const result: GraphResult = { done: [], failed: [], skipped: [] };
  const running = new Set<Promise<void>>();
  const blocked = new Set<string>();
  let stop = false;

  const ready = () => [...pending.entries()].filter(([id, deps]) => deps.size === 0 && !blocked.has(id)).map(([id]) => id);

  const blockDependents = (id: string) => {
    for (const [other, deps] of pending) {
      if (deps.has(id) && !blocked.has(other)) {
        blocked.add(other);
        blockDependents(other);
      }
    }
  };

  for (;;) {
    if (opts.signal?.aborted) stop = true;
    while (!stop && running.size < Math.max(1, opts.concurrency)) {
      const id = ready()[0];
      if (id === undefined) break;
      pending.delete(id);
      const p: Promise<void> = run(id).then(
        () => {
          result.done.push(id);
          for (const deps of pending.values()) deps.delete(id);
        },
        (error) => {
          result.failed.push({ id, error });
          blockDependents(id);
          if (opts.failFast !== false) stop = true;
        },
      );
      const tracked = p.finally(() => running.delete(tracked));
      running.add(tracked);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  result.skipped = [...pending.keys()];
  return result;
}
