// Building one image with the Docker engine: skipped when the content tag already exists.
import path from 'node:path';
import type { Exec } from '../exec.js';
import { PctlError, isPctlError } from '../errors.js';
import { errorLine, lastLines } from '../exec.js';
import type { Readable } from 'node:stream';
import { appendToStage, labelInstruction } from './dockerfile.js';
import { sha256Hex } from './buildFs.js';
import { contextPlan, type ContextPlan } from './contextPlan.js';
import { contextTar } from './contextTar.js';
import { analyzeBuild, type AnalyzedBuild } from './hash.js';
import type { BuildSpec } from './spec.js';

export interface BuildImageOptions {
  spec: BuildSpec;
  ref: string;
  exec: Exec;
  force?: boolean;
  signal?: AbortSignal;
  labels?: Record<string, string>;
  onLine?: (line: string) => void;
  /** The Dockerfile and inputs as hashed (else analysed again here). */
  analyzed?: AnalyzedBuild;
}

// Whether a docker command failed because no engine answers (and not because the thing
// it looked for is missing: "connect: no such file or directory" is not "No such image").
export function engineUnreachable(text: string): boolean {
  return /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|connect: no such file|connection refused|dial unix/i.test(text);
}

// Turns "cannot connect" failures into one clear line naming DOCKER_HOST and the fix.
export function dockerError(e: unknown, what: string): PctlError {
  const err = isPctlError(e) ? e : new PctlError({ code: 'CommandFailed', message: String(e), fault: 'environment' });
  const text = `${err.message}\n${err.detail ?? ''}`;
  if (err.code === 'CommandNotFound') {
    return new PctlError({ code: 'DockerNotFound', message: `${what}: the docker command is not installed`, fault: 'environment', hint: 'install Docker (Debian: apt-get install docker.io), or run scripts/ensure-docker.sh' });
  }
  if (engineUnreachable(text)) {
    return new PctlError({
      code: 'DockerUnavailable',
      message: `${what}: no Docker engine answers at ${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'}`,
      fault: 'environment',
      hint: 'start Docker, or point DOCKER_HOST at a running engine; `source scripts/ensure-docker.sh` starts a private one',
      detail: err.detail,
    });
  }
  return err;
}

export async function imageExists(exec: Exec, ref: string): Promise<boolean> {
  try {
    const r = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', '--', ref], { reject: false });
    if (r.exitCode === 0) return true;
    if (!engineUnreachable(r.stderr) && /No such image|not found/i.test(r.stderr)) return false;
    throw new PctlError({ code: 'CommandFailed', message: r.stderr, fault: 'environment', detail: r.stderr });
  } catch (e) {
    throw dockerError(e, `checking image ${ref}`);
  }
}

export async function buildImage(opts: BuildImageOptions): Promise<{ ref: string; built: boolean; context?: ContextPlan }> {
  const { spec, ref, exec } = opts;
  if (!opts.force && spec.builder !== 'custom' && (await imageExists(exec, ref))) return { ref, built: false };
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    opts.onLine?.(line);
  };
  const analyzed = opts.analyzed ?? (await analyzeBuild(spec));
  // Labels go in as one generated LABEL line (one step, one commit), like the entrypoint
  // override: in memory, the user's file is never rewritten.
  const dockerfileText = appendToStage(analyzed.dockerfile, labelInstruction(opts.labels ?? {}), spec.target);
  const common = [
    '-t', ref,
    ...(spec.target ? ['--target', spec.target] : []),
    ...Object.keys(spec.args).sort().flatMap((k) => ['--build-arg', `${k}=${spec.args[k]}`]),
  ];
  const plan = contextPlan(spec, analyzed);
  let file = 'docker';
  let args: string[];
  let input: string | Readable | undefined = dockerfileText;
  if (spec.builder === 'custom') {
    if (!spec.command?.length) throw new PctlError({ code: 'InvalidConfig', message: `build.builder custom needs build.command (an argument array)`, fault: 'user' });
    const fill = (a: string) => a.replaceAll('{context}', spec.contextDir).replaceAll('{dockerfile}', spec.dockerfilePath).replaceAll('{image}', ref);
    [file, ...args] = spec.command.map(fill) as [string, ...string[]];
    input = undefined;
  } else if (spec.builder === 'buildx') {
    args = ['buildx', 'build', '--load', ...common, '-f', '-', spec.contextDir];
  } else if (plan.kind === 'inputs') {
    // Only what the Dockerfile reads, as a tar stream on stdin, with the Dockerfile inside it.
    const name = `.pctl-Dockerfile-${sha256Hex(dockerfileText).slice(0, 12)}`;
    const extra = [{ rel: name, body: dockerfileText }];
    args = ['build', ...common, '-f', name, '-'];
    input = contextTar({ contextDir: spec.contextDir, entries: plan.entries, extra, service: spec.service });
  } else {
    args = ['build', ...common, '-f', '-', spec.contextDir];
  }
  try {
    const r = await exec(file, args, {
      cwd: path.dirname(spec.dockerfilePath),
      input,
      signal: opts.signal,
      onLine,
      reject: false,
      env: { DOCKER_CLI_HINTS: 'false' },
    });
    if (r.exitCode !== 0 && spec.builder === 'buildx' && (await exec('docker', ['buildx', 'version'], { reject: false })).exitCode !== 0) {
      throw new PctlError({ code: 'BuildxMissing', exitCode: 1, message: `building ${ref}: builder buildx is set but the docker buildx plugin is not installed`, fault: 'environment', hint: 'install it (Debian: apt-get install docker-buildx), or use builder: docker' });
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
      const d = dockerError(new PctlError({ code: 'CommandFailed', message: e.message, detail: e.detail }), `building ${ref}`);
      throw d.code === 'DockerUnavailable' ? d : e;
    }
    throw dockerError(e, `building ${ref}`);
  }
  return { ref, built: true, context: plan };
}

// Which of these image refs the engine has, in one `docker image inspect` call.
export async function existingImages(exec: Exec, refs: string[]): Promise<Set<string>> {
  if (!refs.length) return new Set();
  let r;
  try {
    r = await exec('docker', ['image', 'inspect', '--format', '{{json .RepoTags}}', '--', ...refs], { reject: false });
  } catch (e) {
    throw dockerError(e, 'checking images');
  }
  if (r.exitCode !== 0 && (engineUnreachable(r.stderr) || !/No such image|not found/i.test(r.stderr))) {
    throw dockerError(new PctlError({ code: 'CommandFailed', message: r.stderr, detail: r.stderr }), 'checking images');
  }
  const have = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    try {
      for (const tag of JSON.parse(line) as string[]) have.add(tag);
    } catch {
      /* not a JSON line */
    }
  }
  return new Set(refs.filter((ref) => have.has(ref) || have.has(`docker.io/library/${ref}`)));
}
