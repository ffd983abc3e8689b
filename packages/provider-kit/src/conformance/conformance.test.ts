// The kit against the example file provider (which keeps the contract) and against
// deliberately broken copies of it: each breakage is named by the check it fails.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fileProvider from '../../../../examples/custom-provider/file-provider.mjs';
import { runConformance } from './index.js';
import type { ProviderV1 } from '../contract.js';
import type { ServiceConfig } from '../config.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pctl-kit-'));
  await fs.writeFile(path.join(dir, 'blocker'), 'a file where the failing service wants a folder');
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

const service = (): ServiceConfig => ({ image: 'example/app:1', provider: { name: 'file', options: { dir: 'out' } } });
const observe = async () =>
  (await fs.readdir(path.join(dir, 'out')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
const file = fileProvider as unknown as ProviderV1;
const run = (provider: ProviderV1, extra: Partial<Parameters<typeof runConformance>[0]> = {}) =>
  runConformance({
    provider,
    service: service(),
    cwd: dir,
    observe,
    failingService: { ...service(), provider: { name: 'file', options: { dir: 'blocker/out' } } },
    stepTimeoutMs: 20_000,
    ...extra,
  });

describe('conformance kit', () => {
  it('passes the example file provider on every check', async () => {
    const r = await run(file);
    expect(r.summary()).not.toMatch(/FAIL/);
    expect(r.results.map((x) => x.id)).toEqual([
      'validate-options',
      'deploy',
      'secrets',
      'idempotent',
      'update-in-place',
      'destroy-waits',
      'destroy-gone',
      'deploy-after-destroy',
      'interrupted',
      'errors',
      'logs',
      'logs-follow',
      'exec-exit-code',
      'exec-bytes',
      'port-forward',
      'sync',
      'run',
      'inner-loop-cleanup',
    ]);
    // The file provider runs nothing: the inner-loop verbs are optional, their checks skipped as such.
    expect(r.results.filter((x) => x.skipped).map((x) => `${x.id}: ${x.message}`)).toEqual([
      'logs: the provider has no logs',
      'logs-follow: the provider has no logs',
      'exec-exit-code: the provider has no exec',
      'exec-bytes: the provider has no exec',
      'port-forward: the provider has no portForward',
      'sync: the provider has no exec to look inside with',
      'run: the provider has no run',
      'inner-loop-cleanup: no inner-loop service was deployed',
    ]);
    expect(await observe()).toEqual([]);
  });

  const broken: [string, string, RegExp, (p: ProviderV1) => ProviderV1][] = [
    [
      'validateOptions that accepts anything',
      'validate-options',
      /accepted garbage options/,
      (p) => ({ ...p, validateOptions: () => [] }),
    ],
    ['no validateOptions', 'validate-options', /has no validateOptions/, (p) => ({ ...p, validateOptions: undefined })],
    [
      'a deploy returning garbage',
      'deploy',
      /not a state entry object/,
      (p) => ({ ...p, deploy: async (a) => (await p.deploy(a), 'garbage' as never) }),
    ],
    [
      'a secret kept in the state entry',
      'secrets',
      /secret value is in the returned state entry/,
      (p) => ({ ...p, deploy: async (a) => ({ ...(await p.deploy(a)), env: a.target.service.env }) }),
    ],
    [
      'a secret reported',
      'secrets',
      /secret value was reported/,
      (p) => ({
        ...p,
        deploy: async (a) => (a.ctx.reporter.info(`env ${JSON.stringify(a.target.service.env)}`), p.deploy(a)),
      }),
    ],
    [
      'a deploy that adds a copy each time',
      'idempotent',
      /resources changed/,
      (p) => ({
        ...p,
        deploy: async (a) => {
          const e = await p.deploy(a);
          await fs.writeFile(
            path.join(dir, 'out', `${a.target.key}-${Date.now()}-${Math.random()}.json`),
            JSON.stringify({ labels: a.target.labels }),
          );
          return e;
        },
      }),
    ],
    [
      'a destroy that does not wait',
      'destroy-waits',
      /still (there|on the platform) right after destroy returned/,
      (p) => ({ ...p, destroy: async (a) => void setTimeout(() => void p.destroy(a), 200) }),
    ],
    [
      'a destroy that fails when already gone',
      'destroy-gone',
      /ENOENT/,
      (p) => ({ ...p, destroy: async (a) => fs.rm(String(a.entry.file)) }),
    ],
    [
      'errors thrown as plain strings',
      'errors',
      /not a PctlError/,
      (p) => ({
        ...p,
        deploy: async (a) => {
          if (String(a.target.service.provider.options.dir).startsWith('blocker')) throw 'cannot write';
          return p.deploy(a);
        },
      }),
    ],
    [
      'a deploy that never settles',
      'deploy',
      /deploy did not settle within 300 ms/,
      (p) => ({ ...p, deploy: () => new Promise(() => {}) }),
    ],
  ];
  for (const [what, id, message, breakIt] of broken) {
    it(`fails ${what}, naming the broken promise`, async () => {
      const r = await run(breakIt(file), what.includes('never settles') ? { stepTimeoutMs: 300 } : {});
      expect(r.ok).toBe(false);
      const failed = r.results.find((x) => x.id === id)!;
      expect(failed.ok, r.summary()).toBe(false);
      expect(failed.message).toMatch(message);
      expect(r.summary()).toMatch(new RegExp(`FAIL ${id}: `));
    });
  }
});
