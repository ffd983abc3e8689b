import { describe, expect, it } from 'vitest';
import { describeThrown, parseDuration, runStep, stepError, unsettledError, unsettledSteps } from './step.js';

describe('steps', () => {
  it('turn any thrown value into one line naming the module and the step', () => {
    const at = { module: 'provider x (./x.mjs)', step: 'deploy s-a' };
    expect(stepError(at, { code: 42 }).message).toBe(
      'provider x (./x.mjs): deploy s-a failed: threw a non-Error value {"code":42}',
    );
    expect(stepError(at, 'nope').message).toBe('provider x (./x.mjs): deploy s-a failed: nope');
    expect(stepError(at, undefined).message).toMatch(/failed: threw undefined/);
    expect(stepError(at, new TypeError('bad')).message).toBe('provider x (./x.mjs): deploy s-a failed: bad');
    expect(describeThrown(Object.assign(Object.create(null), { a: 1 }))).toBe('threw a non-Error value {"a":1}');
    expect(describeThrown(5n)).toBe('threw bigint 5');
  });

  it('give up after their time limit, and are no longer tracked once settled', async () => {
    const p = runStep({ module: 'provider slow', step: 'deploy s-a', timeoutMs: 50 }, () => new Promise(() => {}));
    expect(unsettledSteps().map((s) => s.step)).toContain('deploy s-a');
    await expect(p).rejects.toMatchObject({
      code: 'StepTimeout',
      message: 'provider slow: deploy s-a did not finish within 50ms',
    });
    expect(unsettledSteps().map((s) => s.step)).not.toContain('deploy s-a');
    await expect(runStep({ module: 'm', step: 's' }, () => 7)).resolves.toBe(7);
  });

  it('name the oldest unsettled step when the process runs out of work', () => {
    const err = unsettledError([
      { module: 'plugin ./p.mjs', step: 'its function', startedAt: 1 },
      { module: 'resolver v', step: '${v:x}', startedAt: 2 },
    ]);
    expect(err.message).toBe(
      'plugin ./p.mjs: its function never settled: its promise neither resolved nor rejected and nothing was left to wait for (and 1 more step)',
    );
    expect(err.exitCode).toBe(1);
  });

  it('read durations as --step-timeout takes them', () => {
    expect([
      parseDuration('90'),
      parseDuration('90s'),
      parseDuration('10m'),
      parseDuration('1h'),
      parseDuration('500ms'),
    ]).toEqual([90_000, 90_000, 600_000, 3_600_000, 500]);
    expect([parseDuration('0'), parseDuration('soon'), parseDuration('-1s')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});
