// `pctl build`: builds images without deploying; `--list` and `--explain` debug caching.
import { PctlError } from '../errors.js';
import { buildSpecFor } from '../image/spec.js';
import { imageExists } from '../image/engineImages.js';
import { listContextFiles } from '../image/context.js';
import { contextPlan } from '../image/contextPlan.js';
import { diffBuildRecords } from '../image/hash.js';
import { readBuildRecords } from './buildRecords.js';
import { buildForTargets } from './deployImages.js';
import { openSession, requireKnownServices, type Session, type SessionOptions } from './session.js';
import { computeTargets, IMAGE_REF_SCHEME, type PlannedTarget } from './targets.js';

// Refuses names that are not services of the stack, or services that build nothing.
function checkBuildable(session: Session, only: string[]): void {
  requireKnownServices(session, only);
  const services = session.loaded.config.services;
  for (const name of only) {
    const svc = services[name]!;
    if (svc.image?.startsWith(IMAGE_REF_SCHEME) || !buildSpecFor(svc, session.ctx.configDir)) {
      throw new PctlError({
        code: 'NotBuilt',
        message: `service ${name} runs the prebuilt image ${svc.image}: nothing to build`,
        fault: 'user',
      });
    }
  }
}

async function buildTargets(opts: SessionOptions, only: string[]) {
  const session = await openSession(opts);
  checkBuildable(session, only);
  const all = await computeTargets({
    stack: session.ctx.stack,
    config: session.loaded.config,
    configDir: session.ctx.configDir,
    cwd: session.ctx.cwd,
    secrets: session.loaded.secrets,
  });
  const selected = all.filter((t) => t.build && (only.length === 0 || only.includes(t.name)));
  return { session, all, selected };
}

export async function runBuild(
  opts: SessionOptions & { only: string[] },
): Promise<{ images: { service: string; ref: string; built: boolean }[] }> {
  const { session, all, selected } = await buildTargets(opts, opts.only);
  const outcomes = await buildForTargets(session.ctx, selected, all, opts.signal);
  return {
    images: selected.map((t) => ({
      service: t.name,
      ref: t.image.ref,
      built: outcomes.get(t.image.ref)?.built ?? false,
    })),
  };
}

// Lists one service's context: walks that context only and reads no file content.
export async function runBuildList(opts: SessionOptions & { service: string }): Promise<string[]> {
  const session = await openSession(opts);
  checkBuildable(session, [opts.service]);
  const spec = buildSpecFor(session.loaded.config.services[opts.service]!, session.ctx.configDir)!;
  return listContextFiles({ ...spec, service: opts.service });
}

export interface BuildExplanation {
  willBuild: boolean;
  reason: string;
  ref: string;
  /** What the fingerprint covers: the files the Dockerfile reads, or the whole context and why. */
  inputs: string;
  /** Which build context is sent to the engine. */
  context: string;
}

// Why a service's inputs are what they are, and what the build sends.
function describeInputs(t: PlannedTarget): { inputs: string; context: string } {
  const rec = t.buildRecord!;
  const n = Object.keys(rec.inputs).length;
  const inputs = rec.wholeContext?.length
    ? `the whole context (${n} files after .dockerignore), because what the Dockerfile reads cannot be known exactly: ${rec.wholeContext.join('; ')}`
    : `the Dockerfile, build args and the ${n} file${n === 1 ? '' : 's'} it copies`;
  return { inputs, context: contextPlan(t.build!, t.buildAnalysis!).describe };
}

export async function runBuildExplain(opts: SessionOptions & { service: string }): Promise<BuildExplanation> {
  const { session, selected } = await buildTargets(opts, [opts.service]);
  const t: PlannedTarget = selected[0]!;
  const ref = t.image.ref;
  const about = describeInputs(t);
  if (opts.flags.forceBuild)
    return {
      willBuild: true,
      reason: `--force-build: ${ref} is rebuilt even though its inputs are unchanged`,
      ref,
      ...about,
    };
  const prev = (await readBuildRecords(opts.cwd, session.ctx.stack))[t.name];
  if (await imageExists(session.ctx.exec, ref)) {
    return { willBuild: false, reason: `${ref} exists on the engine: its inputs are unchanged`, ref, ...about };
  }
  const why = prev && prev.ref !== ref ? diffBuildRecords(prev.record, t.buildRecord!) : undefined;
  if (why) return { willBuild: true, reason: `${why} since ${prev!.ref} was built`, ref, ...about };
  if (prev && prev.ref === ref)
    return { willBuild: true, reason: `${ref} was built before but is gone from the engine`, ref, ...about };
  return { willBuild: true, reason: `no image ${ref} on the engine and no earlier build recorded`, ref, ...about };
}
