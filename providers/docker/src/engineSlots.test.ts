import { describe, expect, it } from 'vitest';
import { containerRemovals, slots } from './engineSlots.js';

// A job that stays in flight until released, recording how many ran at once.
function jobs() {
  let now = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const started: number[] = [];
  const job =
    (i: number, fail = false) =>
    async () => {
      now++;
      most = Math.max(most, now);
      started.push(i);
      await new Promise<void>((r) => release.push(r));
      now--;
      if (fail) throw new Error(`job ${i} failed`);
      return i;
    };
  // Resolves once `count` jobs are waiting to be released.
  const inFlight = async (count: number) => {
    while (release.length < count) await new Promise((r) => setImmediate(r));
  };
  return { job, inFlight, release, started, most: () => most };
}

describe('engine slots', () => {
  it('runs at most the limit at once, in the order asked, and passes each freed slot on', async () => {
    const s = slots(3);
    const j = jobs();
    const all = Promise.all(Array.from({ length: 10 }, (_, i) => s.run(j.job(i))));
    await j.inFlight(3);
    expect(j.started).toEqual([0, 1, 2]);
    for (let done = 0; done < 10; done++) {
      j.release.shift()!();
      await j.inFlight(Math.min(3, 10 - done - 1));
    }
    expect(await all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(j.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(j.most()).toBe(3);
  });

  it('a failed job frees its slot', async () => {
    const s = slots(1);
    const j = jobs();
    const first = s.run(j.job(0, true));
    const second = s.run(j.job(1));
    await j.inFlight(1);
    j.release.shift()!();
    await expect(first).rejects.toThrow('job 0 failed');
    await j.inFlight(1);
    j.release.shift()!();
    expect(await second).toBe(1);
    expect(j.most()).toBe(1);
  });

  it('one bound per engine: two engines do not wait for each other', async () => {
    const a = {};
    const b = {};
    expect(containerRemovals(a, 1)).toBe(containerRemovals(a, 1));
    const j = jobs();
    const onA = containerRemovals(a, 1).run(j.job(0));
    const onB = containerRemovals(b, 1).run(j.job(1));
    await j.inFlight(2);
    expect(j.most()).toBe(2);
    j.release.splice(0).forEach((r) => r());
    expect(await Promise.all([onA, onB])).toEqual([0, 1]);
  });
});
