// A build by the engine's own builder through POST /build: the context is a tar stream
// pctl writes (only the files the Dockerfile reads, or the whole context after
// .dockerignore), with the generated Dockerfile inside it and named in a .dockerignore (as
// the docker CLI does for `-f -`, so `COPY .` never copies it); registry credentials for
// the base images go in X-Registry-Config; the output is streamed line by line.
import { Transform, pipeline } from 'node:stream';
import type { Exec } from '../exec.js';
import { PctlError, isPctlError } from '../errors.js';
import { errorLine, lastLines } from '../exec.js';
import { baseImages, imageRegistry } from './baseImages.js';
import { sha256Hex } from './buildFs.js';
import { ignorePatterns, walkContextFolders, type ContextEntry } from './context.js';
import type { ContextPlan } from './contextPlan.js';
import { contextTar, type InMemoryFile } from './contextTar.js';
import { engineMessage, imageExists } from './engineImages.js';
import { EngineProgressError, engineError, engineFor, engineStatusCode, followProgress, type Engine } from '../dockerApi/index.js';
import type { AnalyzedBuild } from './hash.js';
import { registryConfigFor } from './registryAuth.js';
import { readRegularFile } from './regularFile.js';
import type { BuildSpec } from './spec.js';

export interface EngineBuildOptions {
  spec: BuildSpec;
  ref: string;
  exec: Exec;
  signal?: AbortSignal;
  /** The Dockerfile as built (labels and entrypoint override applied). */
  dockerfileText: string;
  plan: ContextPlan;
  analyzed: AnalyzedBuild;
  onLine: (line: string) => void;
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

// The entries, folders and in-memory files of the tar stream for this build.
async function tarContent(o: EngineBuildOptions, dockerfileName: string): Promise<{ entries: ContextEntry[]; folders: string[]; extra: InMemoryFile[] }> {
  const whole = o.plan.kind === 'folder';
  const all = o.plan.kind === 'inputs' ? o.plan.entries : o.analyzed.context;
  const folders = whole ? await walkContextFolders(o.spec, await ignorePatterns(o.spec)) : [];
  const ignore = all.find((e) => e.rel === '.dockerignore');
  const entries = all.filter((e) => e !== ignore);
  const ignoreText = ignore ? (await readRegularFile(ignore.abs, { service: o.spec.service, role: '.dockerignore' })).toString('utf8') : '.dockerignore';
  const extra = [
    { rel: dockerfileName, body: o.dockerfileText },
    { rel: '.dockerignore', body: `${ignoreText}\n${dockerfileName}\n` },
  ];
  return { entries, folders, extra };
}

// X-Registry-Config for the registries of base images the engine does not have yet.
async function registryConfig(o: EngineBuildOptions) {
  const bases = baseImages(o.dockerfileText, o.spec.args);
  const missing: string[] = [];
  for (const image of bases.images) {
    // An engine that does not answer is reported by the build itself, naming the image built.
    if (!(await imageExists({ exec: o.exec, signal: o.signal }, image).catch(() => false))) missing.push(image);
  }
  if (!missing.length && !bases.unknown) return undefined;
  const config = await registryConfigFor({ exec: o.exec, registries: [...new Set(missing.map(imageRegistry))], all: bases.unknown, signal: o.signal });
  return Object.keys(config).length ? config : undefined;
}

// Builds o.ref on the local engine; a failed step is BuildFailed with the step's output as detail.
export async function buildOnEngine(o: EngineBuildOptions): Promise<void> {
  const { spec, ref } = o;
  const dockerfileName = `.pctl-Dockerfile-${sha256Hex(o.dockerfileText).slice(0, 12)}`;
  const engine: Engine = await engineFor({ exec: o.exec, signal: o.signal });
  const registryconfig = await registryConfig(o);
  const content = await tarContent(o, dockerfileName);
  const tail: string[] = [];
  const onLine = (raw: string) => {
    // The engine colours a step's stderr (ESC[91m ... ESC[0m): plain text for logs and --json.
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    if (!line && raw) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    o.onLine(line);
  };
  let sent = 0;
  let tarError: unknown;
  const body = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      onLine(`Sending build context to Docker daemon  ${humanSize(sent)}`);
      cb();
    },
  });
  pipeline(contextTar({ contextDir: spec.contextDir, ...content, service: spec.service }), body, (e) => {
    if (e) tarError = e;
  });
  const request = `POST /build to ${engine.where} (dockerfile ${dockerfileName}${spec.target ? `, target ${spec.target}` : ''})`;
  const failed = (why: string) =>
    new PctlError({ code: 'BuildFailed', exitCode: 1, message: `building ${ref} failed: ${why}`, fault: 'user', detail: `${request}\n${lastLines(tail.join('\n'), 20)}` });
  let messages: object[];
  try {
    const stream = await engine.api.buildImage(body, {
      t: ref,
      dockerfile: dockerfileName,
      buildargs: spec.args,
      rm: true,
      // Also when a step fails: the engine otherwise keeps that step's container, unlabelled,
      // with the build args (secrets among them) in its environment.
      forcerm: true,
      ...(spec.target ? { target: spec.target } : {}),
      // Docker's AuthConfig: an identity token stands in for username and password.
      ...(registryconfig ? { registryconfig: registryconfig as unknown as import('dockerode').RegistryConfig } : {}),
      ...(o.signal ? { abortSignal: o.signal } : {}),
    });
    messages = await followProgress(stream, onLine);
  } catch (e) {
    const unreadable = tarError;
    // A request that failed before reading the whole context leaves no file open behind it.
    body.destroy();
    if (unreadable) throw isPctlError(unreadable) ? unreadable : engineError(unreadable, `building ${ref}`, engine);
    if (o.signal?.aborted) throw new PctlError({ code: 'Interrupted', message: `interrupted: building ${ref}`, fault: 'user', exitCode: 130 });
    if (isPctlError(e)) throw e;
    // The builder's own failure (a step, a parse error, a pull refused) is the build's; anything else is the connection's.
    if (!(e instanceof EngineProgressError) && engineStatusCode(e) === undefined) throw engineError(e, `building ${ref}`, engine);
    const why = engineMessage(e);
    if (why && tail.at(-1) !== why) onLine(why);
    throw failed(errorLine(why) || 'the engine gave no reason');
  }
  if (!messages.some((m) => (m as { aux?: { ID?: string } }).aux?.ID)) throw failed('the engine ended the build without making an image');
}
