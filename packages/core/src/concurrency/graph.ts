// Runs tasks in dependency order, independent ones in parallel up to a bound.
// Every walk here is iterative and linear in tasks + edges: a dependsOn chain or cycle
// through thousands of services must give its plan or its error, not exhaust the stack.
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

type Walk = { order: string[]; cycle?: undefined } | { order?: undefined; cycle: string[] };

// Depth-first, dependencies before dependents (in `ids` order), or the first cycle met:
// its ids with the first repeated at the end. Dependencies not in `ids` are ignored.
function walk(ids: readonly string[], depsOf: (id: string) => readonly string[] | undefined): Walk {
  const known = new Set(ids);
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  for (const root of ids) {
    if (state.has(root)) continue;
    // The current path, each level with its dependencies and the next one to look at.
    const path: string[] = [root];
    const pending: (readonly string[])[] = [depsOf(root) ?? []];
    const next: number[] = [0];
    state.set(root, 'visiting');
    while (path.length) {
      const top = path.length - 1;
      const dep = pending[top]![next[top]!++];
      if (dep === undefined) {
        state.set(path[top]!, 'done');
        order.push(path.pop()!);
        pending.pop();
        next.pop();
        continue;
      }
      if (!known.has(dep)) continue;
      const s = state.get(dep);
      if (s === 'done') continue;
      if (s === 'visiting') return { cycle: [...path.slice(path.lastIndexOf(dep)), dep] };
      state.set(dep, 'visiting');
      path.push(dep);
      pending.push(depsOf(dep) ?? []);
      next.push(0);
    }
  }
  return { order };
}

// The first dependency cycle among `ids` (its ids, the first repeated last), or undefined.
export function findCycle(
  ids: readonly string[],
  depsOf: (id: string) => readonly string[] | undefined,
): string[] | undefined {
  return walk(ids, depsOf).cycle;
}

// A cycle for an error line: in full when short, else its ends and how many lie between.
export function cycleText(cycle: readonly string[]): string {
  if (cycle.length <= 12) return cycle.join(' -> ');
  return `${cycle.slice(0, 5).join(' -> ')} -> ... (${cycle.length - 8} more) -> ${cycle.slice(-3).join(' -> ')}`;
}

// Orders ids so that each comes after its dependencies; throws on a cycle.
export function topoOrder(tasks: GraphTask[]): string[] {
  const byId = new Map(tasks.map((t) => [t.id, t.deps]));
  const r = walk([...byId.keys()], (id) => byId.get(id));
  if (r.cycle)
    throw new PctlError({ code: 'DependencyCycle', message: `dependsOn cycle: ${cycleText(r.cycle)}`, fault: 'user' });
  return r.order;
}

export async function runGraph(
  tasks: GraphTask[],
  run: (id: string) => Promise<void>,
  opts: { concurrency: number; signal?: AbortSignal; failFast?: boolean },
): Promise<GraphResult> {
  topoOrder(tasks);
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  // Per task, how many of its dependencies have not succeeded; and who waits on each task.
  const waiting = tasks.map(() => 0);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => {
    for (const d of new Set(t.deps)) {
      const j = index.get(d);
      if (j === undefined) continue;
      waiting[i]!++;
      dependents[j]!.push(i);
    }
  });
  // Ready tasks, the earliest in `tasks` first (a dependent of a failed task never gets here).
  const ready = new MinHeap();
  waiting.forEach((n, i) => n === 0 && ready.push(i));
  const started = new Set<number>();
  const result: GraphResult = { done: [], failed: [], skipped: [] };
  const running = new Set<Promise<void>>();
  let stop = false;

  for (;;) {
    if (opts.signal?.aborted) stop = true;
    while (!stop && running.size < Math.max(1, opts.concurrency) && ready.size) {
      const i = ready.pop();
      const id = tasks[i]!.id;
      started.add(i);
      const p: Promise<void> = run(id).then(
        () => {
          result.done.push(id);
          for (const j of dependents[i]!) if (--waiting[j]! === 0) ready.push(j);
        },
        (error) => {
          result.failed.push({ id, error });
          if (opts.failFast !== false) stop = true;
        },
      );
      const tracked = p.finally(() => running.delete(tracked));
      running.add(tracked);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  result.skipped = tasks.filter((_, i) => !started.has(i)).map((t) => t.id);
  return result;
}

// A binary min-heap of task indexes.
class MinHeap {
  private items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(n: number): void {
    const a = this.items;
    a.push(n);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (a[up]! <= a[i]!) break;
      [a[up], a[i]] = [a[i]!, a[up]!];
      i = up;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
