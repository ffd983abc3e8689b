// A build by the engine's classic builder (`builder: classic`, or an engine without
// BuildKit): the generated Dockerfile (labels as one LABEL line, the entrypoint override)
// inside the tar stream and named in a .dockerignore (as the docker CLI does for `-f -`, so
// `COPY .` never copies it); the output is streamed line by line.
import { PctlError, isPctlError } from '../errors.js';
import { errorLine, lastLines } from '../exec.js';
import { sha256Hex } from './buildFs.js';
import { contextBody, contextEntries, humanSize, type EngineBuildOptions } from './buildRequest.js';
import { appendToStage, labelInstruction } from './dockerfile.js';
import { engineMessage } from './engineImages.js';
import { EngineProgressError, engineError, engineStatusCode, followProgress, type Engine } from '../dockerApi/index.js';
import { readRegularFile } from './regularFile.js';

// Builds o.ref with the classic builder; a failed step is BuildFailed with the step's output as detail.
export async function buildClassic(
  o: EngineBuildOptions,
  engine: Engine,
  registryconfig: object | undefined,
): Promise<void> {
  const { spec, ref } = o;
  // Labels go in as one generated LABEL line (one step, one commit), like the entrypoint
  // override: in memory, the user's file is never rewritten.
  const dockerfileText = appendToStage(o.analyzed.dockerfile, labelInstruction(o.labels), spec.target);
  const dockerfileName = `.pctl-Dockerfile-${sha256Hex(dockerfileText).slice(0, 12)}`;
  const { entries: all, folders } = await contextEntries(o);
  const ignore = all.find((e) => e.rel === '.dockerignore');
  const entries = all.filter((e) => e !== ignore);
  const ignoreText = ignore
    ? (await readRegularFile(ignore.abs, { service: spec.service, role: '.dockerignore' })).toString('utf8')
    : '.dockerignore';
  const extra = [
    { rel: dockerfileName, body: dockerfileText },
    { rel: '.dockerignore', body: `${ignoreText}\n${dockerfileName}\n` },
  ];
  const tail: string[] = [];
  const onLine = (raw: string) => {
    // The engine colours a step's stderr (ESC[91m ... ESC[0m): plain text for logs and --json.
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
    if (!line && raw) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    o.onLine(line);
  };
  const { body, failed: tarError } = contextBody(spec, { entries, folders, extra }, (sent) =>
    onLine(`Sending build context to Docker daemon  ${humanSize(sent)}`),
  );
  const request = `POST /build to ${engine.where} (classic builder, dockerfile ${dockerfileName}${spec.target ? `, target ${spec.target}` : ''})`;
  const failed = (why: string) =>
    new PctlError({
      code: 'BuildFailed',
      exitCode: 1,
      message: `building ${ref} failed: ${why}`,
      fault: 'user',
      detail: `${request}\n${lastLines(tail.join('\n'), 20)}`,
    });
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
    const unreadable = tarError();
    // A request that failed before reading the whole context leaves no file open behind it.
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
    // The builder's own failure (a step, a parse error, a pull refused) is the build's; anything else is the connection's.
    if (!(e instanceof EngineProgressError) && engineStatusCode(e) === undefined)
      throw engineError(e, `building ${ref}`, engine);
    const why = engineMessage(e);
    if (why && tail.at(-1) !== why) onLine(why);
    throw failed(errorLine(why) || 'the engine gave no reason');
  }
  if (!messages.some((m) => (m as { aux?: { ID?: string } }).aux?.ID))
    throw failed('the engine ended the build without making an image');
}
