import { describe, expect, it } from 'vitest';
import { findByKind } from './resources.js';
import { humanDuration, tableVersionWanted, toTable } from './table.js';

describe('server-side printing', () => {
  it('formats ages as Go duration.HumanDuration does', () => {
    const s = 1000;
    const cases: [number, string][] = [
      [-5 * s, '<invalid>'],
      [-0.5 * s, '0s'],
      [0, '0s'],
      [119 * s, '119s'],
      [120 * s, '2m'],
      [125 * s, '2m5s'],
      [600 * s, '10m'],
      [179 * 60 * s, '179m'],
      [3 * 3600 * s, '3h'],
      [(3 * 3600 + 5 * 60) * s, '3h5m'],
      [47 * 3600 * s, '47h'],
      [50 * 3600 * s, '2d2h'],
      [8 * 86400 * s, '8d'],
      [800 * 86400 * s, '2y70d'],
      [3650 * 86400 * s, '10y'],
    ];
    for (const [ms, text] of cases) expect(humanDuration(ms), String(ms)).toBe(text);
  });

  it('answers only the Table versions kubectl asks for', () => {
    expect(
      tableVersionWanted(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toBe('v1');
    expect(tableVersionWanted('application/json')).toBeUndefined();
    expect(tableVersionWanted('application/json;as=Table;v=v2;g=meta.k8s.io')).toBeUndefined();
  });

  it('derives a pod STATUS the way printPod does', () => {
    const pod = (containerStatuses: object[], extra: object = {}) => ({
      metadata: { name: 'p', creationTimestamp: new Date().toISOString() },
      spec: { containers: containerStatuses.map((_, i) => ({ name: `c${i}` })) },
      status: { phase: 'Running', containerStatuses },
      ...extra,
    });
    const status = (p: object): unknown =>
      (toTable(findByKind('Pod')!, [p as never], 'v1', {}, null) as { rows: { cells: unknown[] }[] }).rows[0].cells[2];
    expect(status(pod([{ ready: true, state: { running: {} } }]))).toBe('Running');
    expect(status(pod([{ ready: false, state: { waiting: { reason: 'ImagePullBackOff' } } }]))).toBe(
      'ImagePullBackOff',
    );
    expect(status(pod([{ ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }]))).toBe(
      'Completed',
    );
    expect(status(pod([{ ready: false, state: { terminated: { exitCode: 2 } } }]))).toBe('ExitCode:2');
    expect(
      status(pod([{ ready: true, state: { running: {} } }], { metadata: { name: 'p', deletionTimestamp: 'x' } })),
    ).toBe('Terminating');
    const restarts = (p: object): unknown =>
      (toTable(findByKind('Pod')!, [p as never], 'v1', {}, null) as { rows: { cells: unknown[] }[] }).rows[0].cells[3];
    expect(restarts(pod([{ ready: true, restartCount: 0, state: { running: {} } }]))).toBe('0');
    const finishedAt = new Date(Date.now() - 5000).toISOString();
    expect(
      restarts(
        pod([
          {
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { finishedAt } },
          },
        ]),
      ),
    ).toMatch(/^3 \(\d+s ago\)$/);
  });
});
