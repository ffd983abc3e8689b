// The build-and-push phase of a deploy: builds each needed image once, pushes where needed.
import os from 'node:os';
import { buildImage, existingImages, pushImage, registryLogin, removeImage, type BuildSpec } from '../image/index.js';
import type { RegistryConfig } from '../config/schema.js';
import type { ProviderContext } from '../contract.js';
import { runPool } from '../concurrency/pool.js';
import { saveBuildRecords, type BuildRecords } from './buildRecords.js';
import { markBuilding } from './buildMarker.js';
import type { PlannedTarget } from './targets.js';
import { Events } from '../reporter.js';

export interface ImageOutcome {
  ref: string;
  built: boolean;
  pushed: boolean;
}

// Builds the images the given targets run (deduplicated by ref), in parallel with a bound.
// classicFor: images built with the classic builder where the spec says `docker` (adoption).
export async function buildForTargets(
  ctx: ProviderContext,
  deploying: PlannedTarget[],
  all: PlannedTarget[],
  interrupt?: AbortSignal,
  classicFor?: ReadonlySet<string>,
): Promise<Map<string, ImageOutcome>> {
  const specByRef = new Map<string, { spec: BuildSpec; owner: PlannedTarget }>();
  for (const t of all) if (t.build && t.image.builtByPctl) specByRef.set(t.image.ref, { spec: t.build, owner: t });
  const needed = [...new Set(deploying.map((t) => t.image.ref))].filter((ref) => specByRef.has(ref));
  const limit = ctx.flags.buildSequential ? 1 : Math.max(1, ctx.flags.buildConcurrency || os.availableParallelism());
  const outcomes = new Map<string, ImageOutcome>();
  // One engine call tells which content tags already exist: those need no build.
  const present = ctx.flags.forceBuild
    ? new Set<string>()
    : await existingImages(
        ctx,
        needed.filter((r) => specByRef.get(r)!.spec.builder !== 'custom'),
      );
  for (const ref of present) {
    ctx.reporter.info(`image ${ref} exists, not rebuilding`, specByRef.get(ref)!.owner.key, Events.BuildSkipped);
    outcomes.set(ref, { ref, built: false, pushed: false });
  }
  const toBuild = needed.filter((r) => !present.has(r));
  if (toBuild.length) markBuilding(ctx.cwd, ctx.stack, toBuild);
  await runPool(
    toBuild,
    limit,
    async (ref, signal) => {
      const { spec: asWritten, owner } = specByRef.get(ref)!;
      const spec: BuildSpec =
        classicFor?.has(ref) && asWritten.builder === 'docker' ? { ...asWritten, builder: 'classic' } : asWritten;
      ctx.reporter.info(`building ${ref}`, owner.key, Events.BuildStarted, { ref });
      const r = await buildImage({
        spec,
        ref,
        exec: ctx.exec,
        force: ctx.flags.forceBuild,
        signal,
        labels: { 'managed-by': 'pctl', 'pctl-stack': ctx.stack },
        analyzed: owner.buildAnalysis,
        // A BuildKit step's own output is the full log: shown with -v.
        onLine: (line, kind) =>
          ctx.reporter.emit({
            level: 'debug',
            code: kind === 'log' ? Events.BuildLog : Events.BuildLine,
            text: line,
            subject: ref,
          }),
        onNotice: (text) => ctx.reporter.info(text, undefined, Events.BuildClassic),
      });
      ctx.reporter.info(
        r.built ? `built ${ref}` : `image ${ref} exists, not rebuilding`,
        owner.key,
        r.built ? 'BuildDone' : 'BuildSkipped',
      );
      outcomes.set(ref, { ref, built: r.built, pushed: false });
    },
    interrupt,
  );
  const records: BuildRecords = {};
  for (const t of all)
    if (t.buildRecord && outcomes.has(t.image.ref))
      records[t.name] = { ref: t.image.ref, record: t.buildRecord, builtAt: new Date().toISOString() };
  if (Object.keys(records).length) await saveBuildRecords(ctx.cwd, ctx.stack, records).catch(() => undefined);
  return outcomes;
}

// Pushes a service's image to its registry (logging in first when credentials are given).
export async function pushForTarget(
  ctx: ProviderContext,
  target: PlannedTarget,
  registry: RegistryConfig,
): Promise<boolean> {
  if (typeof registry === 'object' && registry.username && registry.password) {
    await registryLogin({
      url: registry.url,
      username: registry.username,
      password: registry.password,
      exec: ctx.exec,
    });
  }
  ctx.reporter.info(`pushing ${target.image.ref}`, target.key, Events.PushStarted);
  const r = await pushImage({ ref: target.image.ref, exec: ctx.exec, signal: ctx.signal });
  return r.pushed;
}

// After a service moved to a new image, the old one pctl built goes (unless still used).
export async function removeReplacedImage(ctx: ProviderContext, oldRef: string, stillUsed: boolean): Promise<void> {
  if (stillUsed) return;
  const r = await removeImage(ctx, oldRef);
  if (r.result === 'failed')
    ctx.reporter.warn(`could not remove the replaced image ${oldRef}: ${r.message?.split('\n')[0]}`);
}
