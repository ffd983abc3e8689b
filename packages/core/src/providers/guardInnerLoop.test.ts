import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProviderContext, ProviderV1 } from '../contract.js';
import { guardProvider } from './guard.js';

const base: ProviderV1 = {
  apiVersion: 1,
  name: 'odd',
  deploy: async () => ({ provider: 'odd' }),
  destroy: async () => undefined,
};
const guarded = (p: Partial<ProviderV1>) => {
  const g = guardProvider({ kind: 'v1', provider: { ...base, ...p } as ProviderV1 }, { source: './odd.mjs' });
  if (g.kind !== 'v1') throw new Error('not v1');
  return g.provider;
};
const ref = { ctx: {} as ProviderContext, key: 's-web', signal: new AbortController().signal };
const sink = () => new Writable({ write: (_c, _e, done) => done() });

describe('the inner-loop verbs, guarded', () => {
  it('stay absent when the provider has none (the engine says it cannot)', () => {
    const p = guarded({});
    expect([p.logs, p.exec, p.portForward]).toEqual([undefined, undefined, undefined]);
  });

  it('refuse an exec result that is not { replica, exitCode 0..255 }, naming the module', async () => {
    for (const bad of [
      undefined,
      { replica: '1', exitCode: 300 },
      { replica: 1, exitCode: 0 },
      { replica: '1', exitCode: 1.5 },
    ]) {
      const p = guarded({ exec: async () => bad as never });
      await expect(p.exec!({ ...ref, command: ['true'], stdout: sink(), stderr: sink() })).rejects.toMatchObject({
        code: 'ProviderContract',
        message: expect.stringMatching(/^provider odd \(\.\/odd\.mjs\): exec returned /),
      });
    }
    const ok = guarded({ exec: async () => ({ replica: '2', exitCode: 7 }) });
    expect(await ok.exec!({ ...ref, command: ['true'], stdout: sink(), stderr: sink() })).toEqual({
      replica: '2',
      exitCode: 7,
    });
  });

  it('refuse a log line of the wrong shape, pass good ones on', async () => {
    const seen: string[] = [];
    const p = guarded({
      logs: async (x) => {
        x.onLine({ replica: '1', stream: 'stdout', line: 'fine' });
        x.onLine({ replica: '1', stream: 'elsewhere', line: 'bad' } as never);
      },
    });
    await expect(
      p.logs!({ ...ref, follow: false, previous: false, onLine: (l) => seen.push(l.line), onReplica: () => undefined }),
    ).rejects.toMatchObject({
      code: 'ProviderContract',
      message: expect.stringContaining('logs returned a line that is not'),
    });
    expect(seen).toEqual(['fine']);
  });

  it('refuse a port-forward that hands back no dialer; a thrown error names the module and step', async () => {
    await expect(guarded({ portForward: async () => ({}) as never }).portForward!(ref)).rejects.toMatchObject({
      code: 'ProviderContract',
    });
    const p = guarded({
      portForward: async () => ({
        replica: () => '1',
        dial: async () => {
          throw new Error('refused');
        },
        close: async () => undefined,
      }),
    });
    const d = await p.portForward!(ref);
    await expect(d.dial(80)).rejects.toThrow(
      /provider odd \(\.\/odd\.mjs\).*port-forward s-web: connecting to port 80.*refused/,
    );
  });
});
