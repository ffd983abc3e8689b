// `pctl rollback [SERVICE...] [--to N]`: each service's release is deployed again through its
// provider's usual deploy verb (the image it ran and its settings, secrets resolved again from
// the stack file, no build), and recorded as a new release. Every service is checked first
// (the release exists, its image and secrets are there): one that fails changes nothing.
import { dependencyNames } from '../config/dependsOn.js';
import { runGraph } from '../concurrency/graph.js';
import { settleProviders } from './deploy/settle.js';
import { PctlError, toPctlError } from '../errors.js';
import { pctlLabels } from '../labels.js';
import { serviceKey } from '../serviceKey.js';
import type { StateStore } from '../state/stateStore.js';
import { backendOf } from './stateBackend.js';
import type { StateEntry } from '../state/types.js';
import { builtForStack } from '../image/engineImages.js';
import { removeReplacedImage } from './deployImages.js';
import { intentEntry, recordedEntry } from './entry.js';
import { deployKeepingEntry } from './keepEntry.js';
import { withLockedState } from './lockedState.js';
import type { RunResult, ServiceOutcome } from './outcome.js';
import { releaseNote, requireReleaseImage } from './releaseImage.js';
import { releaseImages, releasesOf, unsealService, type Release } from './releases.js';
import { openSession, requireKnownServices, type Session, type SessionOptions } from './session.js';
import type { PlannedTarget } from './targets.js';

interface Chosen {
  target: PlannedTarget;
  release: Release;
  previous: StateEntry;
}

export async function runRollback(opts: SessionOptions & { only?: string[]; to?: number }): Promise<RunResult> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  const { ctx } = session;
  const outcomes: ServiceOutcome[] = [];
  let failure: PctlError | undefined;
  await withLockedState(session, 'rollback', async (store) => {
    const names = opts.only?.length
      ? [...new Set(opts.only)]
      : Object.keys(ctx.config.services)
          .filter((n) => releasesOf(store.get(serviceKey(ctx.stack, n))).length > 1)
          .sort();
    if (opts.to !== undefined && names.length !== 1) {
      throw new PctlError({
        code: 'BadUsage',
        message: `--to ${opts.to}: release numbers are per service; name one service (${names.length ? names.join(', ') : 'none has releases'})`,
        fault: 'user',
        exitCode: 2,
        hint: 'pctl rollback SERVICE --to N (see `pctl history SERVICE`)',
      });
    }
    if (!names.length)
      throw new PctlError({
        code: 'ReleaseNotFound',
        message: `${ctx.stack}: no service has an earlier release to roll back to`,
        fault: 'user',
        exitCode: 1,
        hint: 'see `pctl history`',
      });
    // Everything is checked before anything changes.
    const chosen: Chosen[] = [];
    for (const name of names) chosen.push(await choose(session, store, name, opts.to));
    for (const c of chosen)
      outcomes.push({
        key: c.target.key,
        service: c.target.name,
        provider: c.release.provider,
        action: 'update',
        reason: `rollback to release ${c.release.number}`,
        result: 'not-started',
        image: c.target.image.ref,
      });
    const byKey = new Map(chosen.map((c) => [c.target.key, c]));
    const tasks = chosen.map((c) => ({
      id: c.target.key,
      deps: dependencyNames(ctx.config.services[c.target.name])
        .map((d) => serviceKey(ctx.stack, d))
        .filter((k) => byKey.has(k)),
    }));
    const graph = await runGraph(
      tasks,
      (key) => restore(session, store, byKey.get(key)!, outcomes.find((o) => o.key === key)!),
      { concurrency: opts.concurrency, signal: opts.signal },
    );
    await settleProviders(session);
    if (graph.failed.length) failure = toPctlError(graph.failed[0]!.error);
    else if (opts.signal.aborted)
      failure = new PctlError({
        code: 'Interrupted',
        message: 'interrupted: rollback stopped; the state file records what was done',
        fault: 'user',
        exitCode: 130,
      });
  }).catch((e: unknown) => {
    failure = toPctlError(e);
  });
  return {
    command: 'rollback',
    stack: ctx.stack,
    stateFile: backendOf(session).where,
    ok: !failure,
    services: outcomes,
    error: failure,
  };
}

// The release to go back to: `--to N`, else the latest whose fingerprint differs from what runs.
async function choose(session: Session, store: StateStore, name: string, to: number | undefined): Promise<Chosen> {
  const { ctx } = session;
  const key = serviceKey(ctx.stack, name);
  const previous = store.get(key);
  const list = releasesOf(previous);
  const notFound = (message: string) =>
    new PctlError({
      code: 'ReleaseNotFound',
      message: `${key}: ${message}; nothing was changed`,
      fault: 'user',
      exitCode: 1,
      hint: `kept releases: ${list.map((r) => r.number).join(', ') || 'none'} (see \`pctl history ${name}\`)`,
    });
  if (!previous || previous.destroyed) throw notFound('the service is not deployed');
  const release =
    to !== undefined
      ? list.find((r) => r.number === to)
      : [...list].reverse().find((r) => r.fingerprint !== previous.fingerprint);
  if (!release)
    throw notFound(to !== undefined ? `no release ${to}` : 'no earlier release that differs from what runs');
  if (release.provider !== previous.provider)
    throw notFound(
      `release ${release.number} ran on provider ${release.provider}, the service now runs on ${previous.provider}`,
    );
  const service = unsealService(release, ctx.secrets, ctx.stack, key);
  await session.v1(release.provider);
  await requireReleaseImage(ctx, key, release, service);
  const imageRefs = Object.freeze(
    Object.fromEntries(
      Object.keys(ctx.config.services)
        .map((n) => [n, store.get(serviceKey(ctx.stack, n))?.image])
        .filter((e): e is [string, string] => typeof e[1] === 'string'),
    ),
  );
  const target: PlannedTarget = {
    name,
    key,
    service,
    labels: pctlLabels(ctx.stack, name),
    fingerprint: release.fingerprint,
    image: {
      ref: release.image ?? '',
      builtByPctl: Boolean(release.builtByPctl),
      ...(release.buildHash ? { buildHash: release.buildHash } : {}),
    },
    imageRefs: { ...imageRefs, [name]: release.image ?? '' },
    configHash: release.configHash ?? '',
    optionsHash: release.optionsHash ?? '',
  };
  return { target, release, previous };
}

// Deploys one release again through the provider's deploy verb and records it as a new release.
async function restore(session: Session, store: StateStore, c: Chosen, out: ServiceOutcome): Promise<void> {
  const { ctx } = session;
  const { target, release, previous } = c;
  ctx.reporter.info(
    `rolling back to release ${release.number} (${target.image.ref || 'no image'})`,
    target.key,
    'ServiceDeploying',
  );
  try {
    const provider = await session.v1(release.provider);
    await store.set(target.key, intentEntry({ previous, target, provider: provider.name, secrets: ctx.secrets }));
    const own = await deployKeepingEntry(store, target.key, previous, () => provider.deploy({ ctx, target, previous }));
    const entry = recordedEntry({
      own,
      target,
      provider: provider.name,
      pushedByPctl: Boolean(release.pushedByPctl),
      secrets: ctx.secrets,
      previous,
      release: await releaseNote(ctx, target, release.number),
    });
    await store.set(target.key, entry);
    out.result = 'deployed';
    ctx.reporter.info(`rolled back to release ${release.number}`, target.key, 'ServiceDeployed', {
      image: target.image.ref,
    });
    // Images of releases no longer kept go, as a deploy's replaced images do.
    const kept = new Set(releaseImages(store.entries().map(([, e]) => e)));
    for (const r of releasesOf(previous)) {
      if (
        !r.image ||
        !r.builtByPctl ||
        kept.has(r.image) ||
        store.entries().some(([, e]) => !e.destroyed && e.image === r.image)
      )
        continue;
      if (await builtForStack(ctx, r.image, ctx.stack)) await removeReplacedImage(ctx, r.image, false);
    }
  } catch (e) {
    const err = toPctlError(e);
    out.result = 'failed';
    out.error = err.message;
    ctx.reporter.emit({ level: 'error', code: 'ServiceFailed', text: err.oneLine(), subject: target.key });
    throw err;
  }
}
