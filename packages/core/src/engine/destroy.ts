// `pctl destroy`: remove everything in state, wait until gone, mark entries destroyed.
import { dependencyNames } from '../config/dependsOn.js';
import { PctlError, toPctlError } from '../errors.js';
import { serviceKey, serviceOfKey } from '../serviceKey.js';
import { runLegacyProviders } from '../providers/legacy.js';
import { removeLeakedImages, stackBuildsImages } from './imageCleanup.js';
import { clearBuilding } from './buildMarker.js';
import { releaseImages } from './releases.js';
import { runPool } from '../concurrency/pool.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import { destroyedEntry } from './entry.js';
import { withLockedState } from './lockedState.js';
import { backendOf } from './stateBackend.js';
import type { RunResult, ServiceOutcome } from './outcome.js';
import { Events } from '../reporter.js';

export async function runDestroy(opts: SessionOptions & { only?: string[] }): Promise<RunResult> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const { ctx } = session;
  const outcomes: ServiceOutcome[] = [];
  let failure: PctlError | undefined;
  await withLockedState(session, 'destroy', async (store) => {
    const keys = store
      .entries()
      .filter(
        ([key, e]) => !e.destroyed && (!opts.only?.length || opts.only.some((n) => key === serviceKey(ctx.stack, n))),
      )
      .filter(([, e]) => {
        const kind = session.providers.get(e.provider)?.kind;
        return kind !== 'legacy' && kind !== 'plugin';
      })
      .map(([key]) => key);
    // Dependents go before what they depend on: reverse of the deploy order.
    const order = new Map<string, number>();
    const deps = (name: string): number => {
      if (order.has(name)) return order.get(name)!;
      order.set(name, 0);
      const d = 1 + Math.max(-1, ...dependencyNames(ctx.config.services[name]).map(deps));
      order.set(name, d);
      return d;
    };
    const depth = (key: string) => deps(serviceOfKey(ctx.stack, key) ?? key);
    const levels = [...new Set(keys.map(depth))].sort((a, b) => b - a);
    try {
      for (const level of levels) {
        if (opts.signal.aborted)
          throw new PctlError({
            code: 'Interrupted',
            message: 'interrupted: destroy stopped; the state file records what was removed',
            fault: 'user',
            exitCode: 130,
          });
        await runPool(
          keys.filter((k) => depth(k) === level),
          opts.concurrency,
          async (key) => {
            const entry = store.get(key)!;
            const out: ServiceOutcome = {
              key,
              provider: entry.provider,
              action: 'remove',
              reason: 'destroy',
              result: 'not-started',
            };
            outcomes.push(out);
            try {
              const p = await session.v1(entry.provider);
              ctx.reporter.info('destroying', key, Events.ServiceDestroying);
              await p.destroy({ ctx, key, entry });
              await store.set(key, destroyedEntry(entry));
              out.result = 'destroyed';
              ctx.reporter.info('destroyed', key, Events.ServiceDestroyed);
            } catch (e) {
              out.result = 'failed';
              out.error = toPctlError(e).message;
              throw e;
            }
          },
        );
      }
      await runLegacyProviders(
        { providers: session.providers, config: session.loaded.config, reporter: session.ctx.reporter },
        'destroy',
        store,
      );
      // Builds no live entry records any more (and leaks of killed runs) go too.
      if (stackBuildsImages(ctx, store.entries())) {
        // Destroy removes the images of what it destroyed, releases too; those of services left running stay.
        const live = store.entries().filter(([, e]) => !e.destroyed);
        const sweep = await removeLeakedImages(ctx, [
          ...live.filter(([, e]) => e.image).map(([, e]) => e.image!),
          ...releaseImages(live.map(([, e]) => e)),
        ]);
        if (!sweep.failed) clearBuilding(ctx.cwd, ctx.stack);
      }
    } catch (e) {
      failure = toPctlError(e);
    }
  });
  return {
    command: 'destroy',
    stack: ctx.stack,
    stateFile: backendOf(session).where,
    ok: !failure,
    services: outcomes,
    error: failure,
  };
}
