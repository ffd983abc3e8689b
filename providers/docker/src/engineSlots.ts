// Bounds on what one engine is asked to do at once, shared by every service of the run.
// The engine removes containers a few at a time whoever asks; a bound per engine, not per
// service, lets pctl start every service's removal (and its image's) as soon as the engine
// has room, instead of holding a service slot for each one in the queue.
export interface Slots {
  /** Runs fn once fewer than the limit are running; the slot passes to the next in line. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export function slots(limit: number): Slots {
  let busy = 0;
  const queue: (() => void)[] = [];
  return {
    async run(fn) {
      if (busy < limit) busy++;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await fn();
      } finally {
        const next = queue.shift();
        if (next) next();
        else busy--;
      }
    },
  };
}

const removals = new WeakMap<object, Slots>();

/** The container removals in flight on one engine (the engine object engineFor keeps per target). */
export function containerRemovals(engine: object, limit: number): Slots {
  let s = removals.get(engine);
  if (!s) removals.set(engine, (s = slots(limit)));
  return s;
}
