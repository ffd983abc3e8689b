// Building one image with the Docker engine: skipped when the content tag already exists.
import path from 'node:path';
import type { Exec } from '../exec.js';
import { PctlError, isPctlError } from '../errors.js';
import { errorLine, lastLines } from '../exec.js';
import { dockerError } from './cliError.js';
import { buildArgFlags } from './buildArgs.js';
import { appendToStage, labelInstruction } from './dockerfile.js';
import { contextPlan, type ContextPlan } from './contextPlan.js';
import { buildOnEngine } from './engineBuild.js';
import type { BuildLineKind } from './buildRequest.js';
import { imageExists } from './engineImages.js';
import { analyzeBuild, type AnalyzedBuild } from './hash.js';
import type { BuildSpec } from './spec.js';

export interface BuildImageOptions {
  spec: BuildSpec;
  ref: string;
  exec: Exec;
  force?: boolean;
  signal?: AbortSignal;
  labels?: Record<string, string>;
  /** A line of build output: a step (always shown) or a step's log (kind 'log': shown with -v). */
  onLine?: (line: string, kind?: BuildLineKind) => void;
  /** One line about how images are built (the classic builder chosen, and why). */
  onNotice?: (text: string) => void;
  /** The Dockerfile and inputs as hashed (else analysed again here). */
  analyzed?: AnalyzedBuild;
}

// Builds the image `ref` from its spec, unless it exists already (or `force`); says which context was sent.
export async function buildImage(
  opts: BuildImageOptions,
): Promise<{ ref: string; built: boolean; context?: ContextPlan }> {
  const { spec, ref, exec } = opts;
  if (!opts.force && spec.builder !== 'custom' && (await imageExists(exec, ref))) return { ref, built: false };
  const onLine = opts.onLine ?? (() => undefined);
  const analyzed = opts.analyzed ?? (await analyzeBuild(spec));
  const plan = contextPlan(spec, analyzed);
  if (spec.builder === 'docker' || spec.builder === 'classic') {
    await buildOnEngine({
      spec,
      ref,
      exec,
      signal: opts.signal,
      labels: opts.labels ?? {},
      plan,
      analyzed,
      onLine,
      onNotice: opts.onNotice,
    });
    return { ref, built: true, context: plan };
  }
  // Labels go in as one generated LABEL line, like the entrypoint override: in memory, the
  // user's file is never rewritten.
  const dockerfileText = appendToStage(analyzed.dockerfile, labelInstruction(opts.labels ?? {}), spec.target);
  await buildWithCommand({ ...opts, dockerfileText, onLine });
  return { ref, built: true, context: plan };
}

// `builder: buildx` (the docker CLI's plugin, the Dockerfile on stdin) or `builder: custom` (the user's command).
async function buildWithCommand(
  opts: BuildImageOptions & { dockerfileText: string; onLine: (line: string, kind?: BuildLineKind) => void },
): Promise<void> {
  const { spec, ref, exec } = opts;
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    opts.onLine(line);
  };
  let file = 'docker';
  let args: string[];
  let input: string | undefined = opts.dockerfileText;
  let argEnv: Record<string, string> = {};
  if (spec.builder === 'custom') {
    if (!spec.command?.length)
      throw new PctlError({
        code: 'InvalidConfig',
        message: `build.builder custom needs build.command (an argument array)`,
        fault: 'user',
      });
    const fill = (a: string) =>
      a
        .replaceAll('{context}', spec.contextDir)
        .replaceAll('{dockerfile}', spec.dockerfilePath)
        .replaceAll('{image}', ref);
    [file, ...args] = spec.command.map(fill) as [string, ...string[]];
    input = undefined;
  } else {
    const buildArgs = buildArgFlags(spec.args);
    argEnv = buildArgs.env;
    const common = ['-t', ref, ...(spec.target ? ['--target', spec.target] : []), ...buildArgs.flags];
    // Registry caches as written (validated in spec.ts: every entry is type=...).
    const caches = [
      ...(spec.cacheFrom ?? []).flatMap((c) => ['--cache-from', c.raw]),
      ...(spec.cacheTo ?? []).flatMap((c) => ['--cache-to', c.raw]),
    ];
    args = ['buildx', 'build', '--load', ...common, ...caches, '-f', '-', spec.contextDir];
  }
  try {
    const r = await exec(file, args, {
      cwd: path.dirname(spec.dockerfilePath),
      input,
      signal: opts.signal,
      onLine,
      reject: false,
      env: { ...argEnv, DOCKER_CLI_HINTS: 'false' },
    });
    if (
      r.exitCode !== 0 &&
      spec.builder === 'buildx' &&
      (await exec('docker', ['buildx', 'version'], { reject: false })).exitCode !== 0
    ) {
      throw new PctlError({
        code: 'BuildxMissing',
        exitCode: 1,
        message: `building ${ref}: builder buildx is set but the docker buildx plugin is not installed`,
        fault: 'environment',
        hint: 'install it (Debian: apt-get install docker-buildx), or use builder: docker',
      });
    }
    if (r.exitCode !== 0) {
      throw new PctlError({
        code: 'BuildFailed',
        exitCode: 1,
        message: `building ${ref} failed: ${errorLine(r.stderr || r.stdout) || `exit code ${r.exitCode}`}`,
        fault: 'user',
        detail: `$ ${r.command}\n${lastLines(tail.join('\n') || r.stderr, 20)}`,
      });
    }
  } catch (e) {
    if (isPctlError(e) && e.code === 'BuildFailed') {
      const d = dockerError(
        new PctlError({ code: 'CommandFailed', message: e.message, detail: e.detail }),
        `building ${ref}`,
      );
      throw d.code === 'DockerUnavailable' ? d : e;
    }
    throw dockerError(e, `building ${ref}`);
  }
}
