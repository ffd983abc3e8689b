// `pctl build`: builds images without deploying; `--list` and `--explain` debug caching.
import { PctlError } from '../errors.js';
import { imageExists } from '../image/build.js';
import { listContextFiles } from '../image/context.js';
import { diffBuildRecords } from '../image/hash.js';
import { readBuildRecords } from './buildRecords.js';
import { buildForTargets } from './images.js';
import { openSession, type SessionOptions } from './session.js';
import { computeTargets, type PlannedTarget } from './targets.js';

async function buildTargets(opts: SessionOptions, only: string[]) {
  const session = await openSession(opts);
  const all = await computeTargets({ stack: session.ctx.stack, config: session.loaded.config, configDir: session.ctx.configDir });
  for (const name of only) {
    const t = all.find((x) => x.name === name);
    if (!t) throw new PctlError({ code: 'UnknownService', message: `no service "${name}" in ${session.loaded.configPath}`, fault: 'user', hint: `services: ${all.map((x) => x.name).join(', ')}` });
    if (!t.build) throw new PctlError({ code: 'NotBuilt', message: `service ${name} runs the prebuilt image ${t.image.ref}: nothing to build`, fault: 'user' });
  }
  const selected = all.filter((t) => t.build && (only.length === 0 || only.includes(t.name)));
  return { session, all, selected };
}

export async function runBuild(opts: SessionOptions & { only: string[] }): Promise<{ images: { service: string; ref: string; built: boolean }[] }> {
  const { session, all, selected } = await buildTargets(opts, opts.only);
  const outcomes = await buildForTargets(session.ctx, selected, all, opts.signal);
  return { images: selected.map((t) => ({ service: t.name, ref: t.image.ref, built: outcomes.get(t.image.ref)?.built ?? false })) };
}

export async function runBuildList(opts: SessionOptions & { service: string }): Promise<string[]> {
  const { selected } = await buildTargets(opts, [opts.service]);
  return listContextFiles(selected[0]!.build!);
}

export async function runBuildExplain(opts: SessionOptions & { service: string }): Promise<{ willBuild: boolean; reason: string; ref: string }> {
  const { session, selected } = await buildTargets(opts, [opts.service]);
  const t: PlannedTarget = selected[0]!;
  const ref = t.image.ref;
  if (opts.flags.forceBuild) return { willBuild: true, reason: `--force-build: ${ref} is rebuilt even though its inputs are unchanged`, ref };
  const prev = (await readBuildRecords(opts.cwd, session.ctx.stack))[t.name];
  if (await imageExists(session.ctx.exec, ref)) {
    return { willBuild: false, reason: `${ref} exists on the engine: its inputs (Dockerfile, ${Object.keys(t.buildRecord!.inputs).length} copied files, args) are unchanged`, ref };
  }
  const why = prev && prev.ref !== ref ? diffBuildRecords(prev.record, t.buildRecord!) : undefined;
  if (why) return { willBuild: true, reason: `${why} since ${prev!.ref} was built`, ref };
  if (prev && prev.ref === ref) return { willBuild: true, reason: `${ref} was built before but is gone from the engine`, ref };
  return { willBuild: true, reason: `no image ${ref} on the engine and no earlier build recorded`, ref };
}
