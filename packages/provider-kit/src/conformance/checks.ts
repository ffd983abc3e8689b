// The checks, in the order they run against one platform: each proves one promise of
// the contract and says how it was broken.
import type { FoundResource, ProviderV1, ServiceTarget } from '../contract.js';
import type { ServiceConfig } from '../config.js';
import type { StateEntry } from '../state.js';
import { isPctlError } from '../errors.js';
import type { TestContext } from '../testing.js';

export interface CheckEnv {
  provider: ProviderV1<any, any>;
  /** The context shared by every check (its reporter keeps every event). */
  ctx: () => TestContext;
  /** A context of its own (the interrupted check aborts it). */
  freshCtx: () => TestContext;
  target: (service: ServiceConfig, fingerprint: string) => ServiceTarget;
  service: ServiceConfig;
  changedService: ServiceConfig;
  failingService?: ServiceConfig;
  garbageOptions: Record<string, unknown>[];
  observe?: () => Promise<string[]>;
  secret: string;
  key: string;
  /** Runs one verb, failing the check when it does not settle in time. */
  step<T>(what: string, p: Promise<T>): Promise<T>;
  /** The entry of the last successful deploy. */
  entry?: StateEntry;
  /** The service of the inner-loop checks (logs, exec, portForward), if the test gives one. */
  innerLoop?: { service: ServiceConfig; port?: number };
}

export interface Check {
  id: string;
  promise: string;
  /** Returns a reason to skip, throws (with how it failed) to fail. */
  run(env: CheckEnv): Promise<string | void>;
}

const fail = (message: string): never => {
  throw new Error(message);
};

async function found(env: CheckEnv): Promise<FoundResource[]> {
  if (!env.provider.discover) return [];
  const all = await env.step('discover', env.provider.discover({ ctx: env.ctx() }));
  if (!Array.isArray(all)) fail(`discover returned ${JSON.stringify(all)}, not a list`);
  return all.filter((r) => r.key === env.key);
}

async function deployOnce(
  env: CheckEnv,
  service: ServiceConfig,
  fingerprint: string,
  previous?: StateEntry,
): Promise<StateEntry> {
  const entry = await env.step(
    'deploy',
    env.provider.deploy({ ctx: env.ctx(), target: env.target(service, fingerprint), previous }),
  );
  // As the engine does once a run's deploys are done: what the deploy left going ends.
  if (env.provider.settle) await env.step('settle', env.provider.settle({ ctx: env.ctx() }));
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    fail(`deploy returned ${JSON.stringify(entry)}, not a state entry object`);
  if (typeof entry.provider !== 'string' || !entry.provider) fail('the state entry has no `provider` string');
  return entry;
}

const names = (rs: FoundResource[]) => rs.map((r) => `${r.kind}/${r.name}`).sort();

export const checks: Check[] = [
  {
    id: 'validate-options',
    promise: 'validateOptions accepts the given options and rejects garbage, each error with an option path',
    async run(env) {
      const v = env.provider.validateOptions;
      if (!v) fail('the provider has no validateOptions: garbage options would reach deploy');
      const good = v!(env.service.provider.options);
      if (!Array.isArray(good) || good.length)
        fail(`the test service's own options were refused: ${JSON.stringify(good)}`);
      for (const garbage of env.garbageOptions) {
        const issues = v!(garbage);
        if (!Array.isArray(issues) || issues.length === 0) fail(`accepted garbage options ${JSON.stringify(garbage)}`);
        const bad = issues.find(
          (i) => !Array.isArray(i.path) || i.path.length === 0 || typeof i.message !== 'string' || !i.message,
        );
        if (bad) fail(`an error for ${JSON.stringify(garbage)} has no option path or message: ${JSON.stringify(bad)}`);
      }
    },
  },
  {
    id: 'deploy',
    promise: 'deploy makes the service exist and returns a JSON state entry naming the provider',
    async run(env) {
      const entry = await deployOnce(env, env.service, 'a'.repeat(64));
      const copy = JSON.parse(JSON.stringify(entry)) as StateEntry;
      if (JSON.stringify(copy) !== JSON.stringify(entry))
        fail('the state entry does not survive JSON (functions, undefined in arrays, ...)');
      env.entry = entry;
      const rs = await found(env);
      if (env.provider.discover && rs.length === 0) fail(`discover finds nothing labelled ${env.key} after deploy`);
      if (env.observe && (await env.observe()).length === 0)
        fail('nothing of the stack exists on the platform after deploy');
    },
  },
  {
    id: 'secrets',
    promise: 'secrets handed in (ctx.secrets, used in env) never reach the state entry or the reporter',
    async run(env) {
      if (!env.entry) return 'deploy failed';
      if (JSON.stringify(env.entry).includes(env.secret)) fail('a secret value is in the returned state entry');
      const said = env
        .ctx()
        .events.map((e) => `${e.text} ${JSON.stringify(e.data ?? {})}`)
        .join('\n');
      if (said.includes(env.secret)) fail('a secret value was reported');
    },
  },
  {
    id: 'idempotent',
    promise: 'a second deploy of the same target changes nothing the provider can observe',
    async run(env) {
      if (!env.entry) return 'deploy failed';
      const before = [names(await found(env)), (await env.observe?.())?.sort()];
      env.entry = await deployOnce(env, env.service, 'a'.repeat(64), env.entry);
      const after = [names(await found(env)), (await env.observe?.())?.sort()];
      if (JSON.stringify(before) !== JSON.stringify(after))
        fail(`resources changed: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    },
  },
  {
    id: 'update-in-place',
    promise: 'a changed fingerprint updates the service in place, leaving nothing of the old version',
    async run(env) {
      if (!env.entry) return 'deploy failed';
      const before = [names(await found(env)), (await env.observe?.())?.length];
      env.entry = await deployOnce(env, env.changedService, 'b'.repeat(64), env.entry);
      const after = [names(await found(env)), (await env.observe?.())?.length];
      if (JSON.stringify(before) !== JSON.stringify(after))
        fail(`the update left a different set of resources: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    },
  },
  {
    id: 'destroy-waits',
    promise: 'destroy removes everything and returns only once it is gone (discover finds nothing labelled)',
    async run(env) {
      if (!env.entry) return 'deploy failed';
      await env.step('destroy', env.provider.destroy({ ctx: env.ctx(), key: env.key, entry: env.entry }));
      const rs = await found(env);
      if (rs.length) fail(`still there right after destroy returned: ${names(rs).join(', ')}`);
      const left = await env.observe?.();
      if (left?.length) fail(`still on the platform right after destroy returned: ${left.join(', ')}`);
    },
  },
  {
    id: 'destroy-gone',
    promise: 'destroy of something already gone succeeds',
    async run(env) {
      if (!env.entry) return 'deploy failed';
      await env.step('destroy', env.provider.destroy({ ctx: env.ctx(), key: env.key, entry: env.entry }));
    },
  },
  {
    id: 'deploy-after-destroy',
    promise: 'deploy after destroy works (the previous entry says destroyed: true)',
    async run(env) {
      if (!env.entry) return 'deploy failed';
      env.entry = await deployOnce(env, env.service, 'c'.repeat(64), { ...env.entry, destroyed: true });
      if (env.provider.discover && (await found(env)).length === 0) fail('discover finds nothing after the redeploy');
      await env.step('destroy', env.provider.destroy({ ctx: env.ctx(), key: env.key, entry: env.entry }));
    },
  },
  {
    id: 'interrupted',
    promise: 'a deploy interrupted by the abort signal stops and leaves only what discover can find',
    async run(env) {
      if (!env.provider.discover) return 'the provider has no discover';
      const ctx = env.freshCtx();
      const exec = ctx.exec;
      let started = 0;
      ctx.exec = (file, args, o) => {
        if (++started === 2) queueMicrotask(() => ctx.abort());
        return exec(file, args, o);
      };
      const target = env.target(env.service, 'd'.repeat(64));
      let entry: StateEntry | undefined;
      try {
        entry = await env.step('deploy (interrupted)', env.provider.deploy({ ctx, target }));
      } catch {
        /* an interrupted deploy may throw */
      }
      const seen = names(await found(env));
      const exists = (await env.observe?.()) ?? [];
      if (env.observe && exists.length > 0 && seen.length === 0)
        fail(`the platform holds ${exists.join(', ')} but discover finds nothing labelled ${env.key}`);
      await env.step(
        'destroy',
        env.provider.destroy({
          ctx: env.ctx(),
          key: env.key,
          entry: entry ?? { provider: env.provider.name, labels: target.labels },
        }),
      );
      const left = [...names(await found(env)), ...((await env.observe?.()) ?? [])];
      if (left.length) fail(`destroy after the interrupted deploy left ${left.join(', ')}`);
    },
  },
  {
    id: 'errors',
    promise: 'a failure is a PctlError with a PascalCase code, a one-line message and a hint',
    async run(env) {
      if (!env.failingService) return 'no failingService given';
      let thrown: unknown;
      let entry: StateEntry | undefined;
      try {
        entry = await env.step(
          'deploy (failing)',
          env.provider.deploy({ ctx: env.ctx(), target: env.target(env.failingService, 'e'.repeat(64)) }),
        );
      } catch (e) {
        thrown = e;
      }
      await env.step(
        'destroy',
        env.provider.destroy({ ctx: env.ctx(), key: env.key, entry: entry ?? { provider: env.provider.name } }),
      );
      if (thrown === undefined) fail('deploying the failing service succeeded');
      if (!isPctlError(thrown))
        fail(
          `threw ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : JSON.stringify(thrown)}, not a PctlError`,
        );
      const e = thrown as { code?: unknown; message: string; hint?: unknown };
      if (typeof e.code !== 'string' || !/^[A-Z][A-Za-z0-9]+$/.test(e.code))
        fail(`code ${JSON.stringify(e.code)} is not a PascalCase code`);
      if (!e.message || e.message.includes('\n')) fail(`message is not one line: ${JSON.stringify(e.message)}`);
      if (typeof e.hint !== 'string' || !e.hint) fail(`no hint telling the fix (message: ${e.message})`);
      if (e.message.includes(env.secret)) fail('the error message shows a secret');
    },
  },
];
