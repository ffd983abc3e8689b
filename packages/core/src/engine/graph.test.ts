import { describe, expect, it } from 'vitest';
import { runGraph, topoOrder } from './graph.js';

describe('dependency graph', () => {
  it('orders dependencies first and rejects cycles', () => {
    expect(topoOrder([{ id: 'web', deps: ['api'] }, { id: 'api', deps: ['db'] }, { id: 'db', deps: [] }])).toEqual(['db', 'api', 'web']);
    expect(() => topoOrder([{ id: 'a', deps: ['b'] }, { id: 'b', deps: ['a'] }])).toThrow(/cycle: a -> b -> a/);
  });

  it('runs independent tasks in parallel up to the bound, dependents after', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const tasks = [
      { id: 'db', deps: [] },
      { id: 'cache', deps: [] },
      { id: 'queue', deps: [] },
      { id: 'api', deps: ['db', 'cache'] },
    ];
    const r = await runGraph(
      tasks,
      async (id) => {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${id}`);
        await new Promise((res) => setTimeout(res, 30));
        log.push(`end ${id}`);
        running--;
      },
      { concurrency: 2 },
    );
    expect(peak).toBe(2);
    expect(r.done.sort()).toEqual(['api', 'cache', 'db', 'queue']);
    expect(log.indexOf('start api')).toBeGreaterThan(log.indexOf('end db'));
    expect(log.indexOf('start api')).toBeGreaterThan(log.indexOf('end cache'));
  });

  it('stops starting work after a failure and reports what never started', async () => {
    const r = await runGraph(
      [{ id: 'db', deps: [] }, { id: 'api', deps: ['db'] }, { id: 'web', deps: ['api'] }],
      async (id) => {
        if (id === 'db') throw new Error('boom');
      },
      { concurrency: 4 },
    );
    expect(r.failed.map((f) => f.id)).toEqual(['db']);
    expect(r.skipped.sort()).toEqual(['api', 'web']);
  });
});
