// A `kind: job` service on Docker: one container that must exit 0 within the job's timeout.
// The previous run's container goes first; this run's container is kept once it exited
// (stopped, so `docker logs` and `pctl logs` show what it did) until the job runs again or
// is destroyed. A run that fails or times out fails the deploy with its last log lines.
import { Events, jobTimeoutSeconds, lastLines, PctlError, type DeployParams } from '@pctl/core';
import type Docker from 'dockerode';
import { pathPart, statusOf, type Api } from './api.js';
import { listByLabel, removeContainers, stackFilters } from './containers.js';
import { createSpec } from './createSpec.js';
import { logTail } from './failure.js';
import { createContainer, startContainer } from './launch.js';

export interface JobParams {
  ctx: DeployParams['ctx'];
  target: DeployParams['target'];
  net: string;
  /** The container's name. */
  name: string;
  volumes: { name: string; path: string }[];
}

/** How long a stopped job gets between SIGTERM and SIGKILL, in seconds. */
const STOP_GRACE_SECONDS = 10;

// Runs the job once to completion; throws JobFailed or JobTimeout.
export async function runJob(api: Api, p: JobParams): Promise<void> {
  const { ctx, target, name } = p;
  await removeContainers(
    api,
    (await listByLabel(api, 'container', stackFilters(ctx.stack, target.key))).map((c) => c.id),
  );
  const spec = createSpec({ target, net: p.net, first: true, volumes: p.volumes });
  // A job is not restarted by the engine: it ran, and its exit code is the answer.
  spec.HostConfig = { ...spec.HostConfig, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } };
  const container = await createContainer(api, name, spec);
  const timeoutSeconds = jobTimeoutSeconds(target.service);
  await startContainer(api, container, name, target);
  ctx.reporter.info(`running job (timeout ${formatSeconds(timeoutSeconds)})`, target.key, Events.JobStarted, {
    timeoutSeconds,
  });
  const end = await waitExit(api, container, timeoutSeconds * 1000, ctx.signal);
  if (end.exitCode === 0) return;
  const text = await logTail(api, name);
  const tail = text ? `last log lines of ${name}:\n${lastLines(text, 20)}` : `${name} wrote no log lines`;
  if (end.timedOut) {
    throw new PctlError({
      code: 'JobTimeout',
      exitCode: 1,
      fault: 'user',
      message: `${target.key}: job did not finish within its timeout (${formatSeconds(timeoutSeconds)}): stopped`,
      hint: `raise services.${target.name}.timeout, or see docker logs ${name}`,
      detail: tail,
    });
  }
  if (end.interrupted) {
    throw new PctlError({
      code: 'Interrupted',
      exitCode: 130,
      fault: 'user',
      message: `${target.key}: interrupted: the job was stopped`,
    });
  }
  throw new PctlError({
    code: 'JobFailed',
    exitCode: 1,
    fault: 'user',
    message: `${target.key}: job exited with code ${end.exitCode}${text ? `: ${lastLines(text, 1)}` : ''}`,
    hint: `see docker logs ${name}`,
    detail: tail,
  });
}

// Waits for the container to stop (POST /containers/{id}/wait); past the deadline or on an
// interrupt it is stopped (SIGTERM, then SIGKILL after the grace) and the wait's answer taken.
async function waitExit(
  api: Api,
  container: Docker.Container,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ exitCode: number; timedOut?: boolean; interrupted?: boolean }> {
  api.log(`POST /containers/${pathPart(container.id)}/wait?condition=not-running`);
  const waited = container.wait({ condition: 'not-running' }) as Promise<{ StatusCode: number }>;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<'timeout' | 'interrupt'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    onAbort = () => resolve('interrupt');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([waited.catch((e: unknown) => ({ error: e })), stop]);
    if (typeof first === 'object' && 'StatusCode' in first) return { exitCode: first.StatusCode };
    if (typeof first === 'object') throw api.fail(first.error, `waiting for ${container.id}`);
    api.log(`POST /containers/${pathPart(container.id)}/stop?t=${STOP_GRACE_SECONDS}`);
    await container.stop({ t: STOP_GRACE_SECONDS }).catch((e: unknown) => {
      // 304: it exited on its own meanwhile.
      if (statusOf(e) !== 304 && statusOf(e) !== 404) throw api.fail(e, `stopping ${container.id}`);
    });
    const code = (await waited).StatusCode;
    return first === 'timeout' ? { exitCode: code, timedOut: true } : { exitCode: code, interrupted: true };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

// `90` -> `1m30s`, `600` -> `10m`.
export function formatSeconds(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = Math.round((s % 60) * 1000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || (!h && !m) ? `${rest}s` : ''}`;
}
