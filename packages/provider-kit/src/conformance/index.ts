// The conformance kit: one call runs a provider through the contract on its real platform
// and reports every promise it keeps or breaks.
import { randomBytes } from 'node:crypto';
import type { ServiceConfig } from '../config.js';
import { serviceKey } from '../labels.js';
import { createTarget, createTestContext, type TestContext } from '../testing.js';
import { checks, type CheckEnv } from './checks.js';
import { innerChecks } from './innerChecks.js';
import type { CheckResult, ConformanceOptions, ConformanceReport } from './types.js';

export type { CheckResult, ConformanceOptions, ConformanceReport } from './types.js';

const withEnv = (s: ServiceConfig, env: Record<string, string>): ServiceConfig => ({ ...s, env: { ...s.env, ...env } });

// Runs every check in order; never throws for a broken promise (see assertConformance).
export async function runConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const stack = opts.stack ?? `kit-${randomBytes(3).toString('hex')}`;
  const name = opts.serviceName ?? 'svc';
  const secret = `kit-secret-${randomBytes(6).toString('hex')}`;
  const service = withEnv(opts.service, { PCTL_KIT_SECRET: secret });
  const timeout = opts.stepTimeoutMs ?? 120_000;
  const makeCtx = () =>
    createTestContext({ stack, cwd: opts.cwd, secrets: [secret], exec: opts.exec, services: { [name]: service } });
  const shared: TestContext = makeCtx();
  const env: CheckEnv = {
    provider: opts.provider,
    ctx: () => shared,
    freshCtx: makeCtx,
    // `image` describes the image of `service`; the failing service runs the image it names.
    target: (s, fingerprint) =>
      createTarget({ stack, name, service: s, image: s === opts.failingService ? undefined : opts.image, fingerprint }),
    service,
    changedService: opts.changedService
      ? withEnv(opts.changedService, { PCTL_KIT_SECRET: secret })
      : withEnv(service, { PCTL_KIT_CHANGED: '1' }),
    failingService: opts.failingService,
    garbageOptions: opts.garbageOptions ?? defaultGarbage(opts.service.provider.options),
    observe: opts.observe ? () => opts.observe!(stack) : undefined,
    secret,
    key: serviceKey(stack, name),
    step: (what, p) => settleWithin(what, p, timeout),
    innerLoop: opts.innerLoop
      ? { ...opts.innerLoop, service: withEnv(opts.innerLoop.service, { PCTL_KIT_SECRET: secret }) }
      : undefined,
  };
  const results: CheckResult[] = [];
  for (const check of [...checks, ...innerChecks].filter((c) => !opts.only || opts.only.includes(c.id))) {
    let r: CheckResult;
    try {
      const skip = await check.run(env);
      r = skip
        ? { id: check.id, promise: check.promise, ok: true, skipped: true, message: skip }
        : { id: check.id, promise: check.promise, ok: true };
    } catch (e) {
      r = { id: check.id, promise: check.promise, ok: false, message: describe(e) };
    }
    results.push(r);
    opts.onResult?.(r);
  }
  await cleanUp(env);
  return report(results);
}

export class ConformanceError extends Error {
  constructor(readonly report: ConformanceReport) {
    super(`the provider breaks the contract:\n${report.summary()}`);
    this.name = 'ConformanceError';
  }
}

// Runs the kit and throws a ConformanceError naming every broken promise.
export async function assertConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const r = await runConformance(opts);
  if (!r.ok) throw new ConformanceError(r);
  return r;
}

function report(results: CheckResult[]): ConformanceReport {
  return {
    ok: results.every((r) => r.ok),
    results,
    summary: () =>
      results
        .map(
          (r) =>
            `${r.ok ? (r.skipped ? 'skip' : 'ok  ') : 'FAIL'} ${r.id}: ${r.promise}${r.message ? ` — ${r.message}` : ''}`,
        )
        .join('\n'),
  };
}

function defaultGarbage(options: Record<string, unknown>): Record<string, unknown>[] {
  const weird = { pctlKitGarbage: [1, { deep: true }] };
  return [{ ...options, pctlKitUnknownOption: true }, ...Object.keys(options).map((k) => ({ ...options, [k]: weird }))];
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0]!;
  return `threw a non-Error value: ${JSON.stringify(e) ?? String(e)}`;
}

async function settleWithin<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

// Whatever a failed check left behind goes, so a kit run never leaks resources.
async function cleanUp(env: CheckEnv): Promise<void> {
  try {
    await env.step(
      'destroy (clean-up)',
      env.provider.destroy({ ctx: env.ctx(), key: env.key, entry: env.entry ?? { provider: env.provider.name } }),
    );
  } catch {
    /* reported by the checks already */
  }
}
