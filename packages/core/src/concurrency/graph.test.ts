import { describe, expect, it } from 'vitest';
import { runGraph, topoOrder } from './graph.js';

describe('dependency graph', () => {
  it('orders dependencies first and rejects cycles', () => {
    expect(
      topoOrder([
        { id: 'web', deps: ['api'] },
        { id: 'api', deps: ['db'] },
        { id: 'db', deps: [] },
      ]),
    ).toEqual(['db', 'api', 'web']);
    expect(() =>
      topoOrder([
        { id: 'a', deps: ['b'] },
        { id: 'b', deps: ['a'] },
      ]),
    ).toThrow(/cycle: a -> b -> a/);
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
      [
        { id: 'db', deps: [] },
        { id: 'api', deps: ['db'] },
        { id: 'web', deps: ['api'] },
      ],
      async (id) => {
        if (id === 'db') throw new Error('boom');
      },
      { concurrency: 4 },
    );
    expect(r.failed.map((f) => f.id)).toEqual(['db']);
    expect(r.skipped.sort()).toEqual(['api', 'web']);
  });

  // Listed dependents first, so a walk from the first task goes the whole chain deep.
  const chain = (n: number, cycle = false) =>
    Array.from({ length: n }, (_, i) => ({ id: `s${i}`, deps: i + 1 < n ? [`s${i + 1}`] : cycle ? ['s0'] : [] }));

  it('orders a 10,000-long dependsOn chain and names a cycle through 8,000 services in one short line', () => {
    expect(topoOrder(chain(10_000))).toEqual(Array.from({ length: 10_000 }, (_, i) => `s${9_999 - i}`));
    expect(() => topoOrder(chain(8_000, true))).toThrow(
      /^dependsOn cycle: s0 -> s1 -> s2 -> s3 -> s4 -> \.\.\. \(7993 more\) -> s7998 -> s7999 -> s0$/,
    );
  });

  it('runs a 10,000-long chain in order, and skips the whole chain above a failed service', async () => {
    const started: string[] = [];
    const ok = await runGraph(chain(10_000), async (id) => void started.push(id), { concurrency: 4 });
    expect(ok.done).toEqual(Array.from({ length: 10_000 }, (_, i) => `s${9_999 - i}`));
    expect(started).toEqual(ok.done);
    const failed = await runGraph(
      chain(10_000),
      async (id) => {
        if (id === 's9999') throw new Error('boom');
      },
      { concurrency: 4, failFast: false },
    );
    expect(failed.failed.map((f) => f.id)).toEqual(['s9999']);
    expect(failed.skipped).toHaveLength(9_999);
  });

  it('starts, of the ready tasks, the one listed first', async () => {
    const started: string[] = [];
    await runGraph(
      [
        { id: 'a', deps: [] },
        { id: 'b', deps: ['a'] },
        { id: 'c', deps: [] },
      ],
      async (id) => void started.push(id),
      { concurrency: 1 },
    );
    expect(started).toEqual(['a', 'b', 'c']);
  });
});
