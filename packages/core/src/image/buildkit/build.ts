// A BuildKit build through the Engine API (POST /build?version=2): the context is pctl's
// tar stream, labels go into the image config through the `labels` parameter (no build
// step), the entrypoint override is one appended ENTRYPOINT line (config only in BuildKit,
// no layer, no container). BuildKit applies no .dockerignore to a tar context: pctl's tar
// already holds only what passed it, and the Dockerfile as built travels under the user's
// Dockerfile's own name (so `COPY .` sees what `docker build` would show it), or under a
// generated name when the Dockerfile lies outside the context.
import path from 'node:path';
import { PctlError, isPctlError } from '../../errors.js';
import { errorLine, lastLines } from '../../exec.js';
import { sha256Hex } from '../buildFs.js';
import { contextBody, contextEntries, humanSize, type EngineBuildOptions } from '../buildRequest.js';
import { engineMessage, imageExists } from '../engineImages.js';
import {
  EngineProgressError,
  engineError,
  engineStatusCode,
  followProgress,
  type Engine,
} from '../../dockerApi/index.js';
import { frontendHint } from './hints.js';
import { BuildKitStatus } from './status.js';
import { traceOf } from './trace.js';
import { openSession, type BuildSession } from './session.js';
import { authService, secretsService } from './services.js';
import { sshServices } from './sshAgent.js';

export interface BuildKitExtras {
  /** Build secrets by id, served only to `RUN --mount=type=secret` through the session. */
  secrets?: ReadonlyMap<string, Buffer>;
  /** ssh agents' sockets by id, forwarded read-only to `RUN --mount=type=ssh`. */
  ssh?: ReadonlyMap<string, string>;
}

// Where the Dockerfile goes in the tar: its own path inside the context, else a generated name.
export function dockerfileEntry(contextDir: string, dockerfilePath: string, text: string): string {
  const rel = path.relative(contextDir, dockerfilePath).split(path.sep).join('/');
  if (rel && !rel.startsWith('../') && rel !== '..' && !path.isAbsolute(rel)) return rel;
  return `.pctl-Dockerfile-${sha256Hex(text).slice(0, 12)}`;
}

// POST /build as dockerode sends it, minus the session dockerode opens on its own for
// version 2 (its own gRPC server, registry credentials from one auth config, no health
// check): pctl's session serves the build instead.
function postBuild(
  engine: Engine,
  body: NodeJS.ReadableStream,
  query: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    engine.api.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        file: body,
        options: query,
        isStream: true,
        ...(signal ? { abortSignal: signal } : {}),
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      },
      (err: unknown, res: unknown) => (err ? reject(err) : resolve(res as NodeJS.ReadableStream)),
    );
  });
}

// Builds o.ref with the engine's BuildKit; a failed step is BuildFailed with that step's last lines as detail.
export async function buildWithBuildKit(
  o: EngineBuildOptions,
  engine: Engine,
  extras: BuildKitExtras = {},
): Promise<void> {
  const { spec, ref } = o;
  const dockerfileText = o.analyzed.dockerfile;
  const dockerfileName = dockerfileEntry(spec.contextDir, spec.dockerfilePath, dockerfileText);
  const { entries: all, folders } = await contextEntries(o);
  const entries = all.filter((e) => e.rel !== dockerfileName);
  const tail: string[] = [];
  const status = new BuildKitStatus((line, kind) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    o.onLine(line, kind);
  });
  const { body, failed: tarError } = contextBody(
    spec,
    { entries, folders, extra: [{ rel: dockerfileName, body: dockerfileText }] },
    (sent) => o.onLine(`sending build context ${humanSize(sent)}`, 'log'),
  );
  const request = `POST /build?version=2 to ${engine.where} (BuildKit, dockerfile ${dockerfileName}${spec.target ? `, target ${spec.target}` : ''})`;
  const failed = (why: string) => {
    const step = status.failedStep();
    const detail = step ? `${step.name}\n${lastLines(step.lines.join('\n'), 20)}` : lastLines(tail.join('\n'), 20);
    const hint = frontendHint(dockerfileText, why);
    return new PctlError({
      code: 'BuildFailed',
      exitCode: 1,
      message: `building ${ref} failed: ${why}`,
      fault: 'user',
      detail: `${request}\n${detail}`,
      ...(hint ? { hint } : {}),
    });
  };
  let imageId: string | undefined;
  const onMessage = (m: object) => {
    const msg = m as { id?: string; aux?: { ID?: unknown } };
    if (msg.id === 'moby.image.id' && typeof msg.aux?.ID === 'string') imageId = msg.aux.ID;
    const trace = traceOf(msg);
    if (trace) status.add(trace);
  };
  // The session serves registry credentials (BuildKit pulls through it), secrets and ssh agents.
  const ssh = extras.ssh ? sshServices(extras.ssh) : { unary: [], streams: [] };
  const services = [
    authService({ exec: o.exec, signal: o.signal }),
    ...(extras.secrets ? [secretsService(extras.secrets)] : []),
    ...ssh.unary,
  ];
  let session: BuildSession | undefined;
  try {
    session = await openSession(engine, {
      name: path.basename(spec.contextDir),
      handlers: new Map(services),
      streams: new Map(ssh.streams),
    });
    const stream = await postBuild(
      engine,
      body,
      {
        t: ref,
        dockerfile: dockerfileName,
        // BUILDKIT_INLINE_CACHE: the engine writes the cache metadata into the image config (cacheTo).
        buildargs: spec.cacheTo?.length ? { ...spec.args, BUILDKIT_INLINE_CACHE: '1' } : spec.args,
        ...(spec.cacheFrom?.length ? { cachefrom: JSON.stringify(spec.cacheFrom.map((c) => c.ref)) } : {}),
        labels: o.labels,
        version: '2',
        session: session.id,
        ...(spec.target ? { target: spec.target } : {}),
      },
      o.signal,
    );
    await followProgress(stream, undefined, onMessage);
  } catch (e) {
    const unreadable = tarError();
    body.destroy();
    if (unreadable) throw isPctlError(unreadable) ? unreadable : engineError(unreadable, `building ${ref}`, engine);
    if (o.signal?.aborted)
      throw new PctlError({
        code: 'Interrupted',
        message: `interrupted: building ${ref}`,
        fault: 'user',
        exitCode: 130,
      });
    if (isPctlError(e)) throw e;
    if (!(e instanceof EngineProgressError) && engineStatusCode(e) === undefined)
      throw engineError(e, `building ${ref}`, engine);
    throw failed(errorLine(engineMessage(e)) || 'the engine gave no reason');
  } finally {
    session?.close();
  }
  if (!imageId) throw failed('the engine ended the build without making an image');
  // The tag is what the deploy runs: it must exist now.
  if (!(await imageExists({ exec: o.exec, signal: o.signal }, ref)))
    throw failed(`the engine made image ${imageId} but no tag ${ref}`);
}
