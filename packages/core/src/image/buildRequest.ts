// What both engine builders send with POST /build: the context as pctl's tar stream
// (counted, for the "Sending build context" line), and X-Registry-Config for the
// registries of base images the engine does not have yet.
import { Transform, pipeline } from 'node:stream';
import type { Exec } from '../exec.js';
import { baseImages, imageRegistry } from './baseImages.js';
import { ignorePatterns, walkContextFolders, type ContextEntry } from './context.js';
import type { ContextPlan } from './contextPlan.js';
import { contextTar, type InMemoryFile } from './contextTar.js';
import { imageExists } from './engineImages.js';
import type { AnalyzedBuild } from './hash.js';
import { registryConfigFor } from './registryAuth.js';
import type { BuildSpec } from './spec.js';

export type BuildLineKind = 'step' | 'log';

export interface EngineBuildOptions {
  spec: BuildSpec;
  ref: string;
  exec: Exec;
  signal?: AbortSignal;
  labels: Record<string, string>;
  plan: ContextPlan;
  analyzed: AnalyzedBuild;
  /** A line of build output: a step (always shown) or a step's log (shown with -v). */
  onLine: (line: string, kind?: BuildLineKind) => void;
  /** A one-line notice about how the build is made (the classic builder chosen, and why). */
  onNotice?: (text: string) => void;
}

// A byte count as the docker CLI prints it ("12.8kB": 4 significant digits, powers of 1000).
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < units.length - 1) {
    size /= 1000;
    i++;
  }
  return `${Number(size.toPrecision(4))}${units[i]}`;
}

// The context entries and folders of the tar stream: the files the build reads, or the whole folder.
export async function contextEntries(
  o: Pick<EngineBuildOptions, 'spec' | 'plan' | 'analyzed'>,
): Promise<{ entries: ContextEntry[]; folders: string[] }> {
  const whole = o.plan.kind === 'folder';
  const entries = o.plan.kind === 'inputs' ? o.plan.entries : o.analyzed.context;
  const folders = whole ? await walkContextFolders(o.spec, await ignorePatterns(o.spec)) : [];
  return { entries, folders };
}

// The tar stream of the context, counting its bytes; `failed()` is the tar's own error, if any.
export function contextBody(
  spec: BuildSpec,
  content: { entries: ContextEntry[]; folders: string[]; extra: InMemoryFile[] },
  onEnd: (bytes: number) => void,
) {
  let sent = 0;
  let tarError: unknown;
  const body = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      onEnd(sent);
      cb();
    },
  });
  pipeline(contextTar({ contextDir: spec.contextDir, ...content, service: spec.service }), body, (e) => {
    if (e) tarError = e;
  });
  return { body, failed: () => tarError };
}

// X-Registry-Config for the registries of base images the engine does not have yet.
export async function registryConfig(o: Pick<EngineBuildOptions, 'exec' | 'signal' | 'spec'>, dockerfileText: string) {
  const bases = baseImages(dockerfileText, o.spec.args);
  const missing: string[] = [];
  for (const image of bases.images) {
    // An engine that does not answer is reported by the build itself, naming the image built.
    if (!(await imageExists({ exec: o.exec, signal: o.signal }, image).catch(() => false))) missing.push(image);
  }
  if (!missing.length && !bases.unknown) return undefined;
  const config = await registryConfigFor({
    exec: o.exec,
    registries: [...new Set(missing.map(imageRegistry))],
    all: bases.unknown,
    signal: o.signal,
  });
  return Object.keys(config).length ? config : undefined;
}
