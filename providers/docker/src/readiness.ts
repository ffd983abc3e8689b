// Waiting until a service's containers run (and are healthy), and saying why not: a
// container that crashed is reported with the exit code and the last log line of the run
// that failed, not of the run the restart policy started after it.
import { dockerError, engineUnreachable, lastLines, PctlError, type Exec } from '@pctl/core';

export interface Inspect {
  Id?: string;
  Name: string;
  RestartCount?: number;
  State: { Status: string; Running: boolean; Restarting?: boolean; ExitCode: number; Health?: { Status: string } };
}

// `docker inspect` of these containers; missing ones are left out.
export async function inspect(cli: Exec, names: string[]): Promise<Inspect[]> {
  if (!names.length) return [];
  const r = await cli('docker', ['inspect', '--type', 'container', '--', ...names], { reject: false });
  // `docker inspect` prints `[]` even when it reached no engine: look at stderr first.
  if (r.exitCode !== 0 && (engineUnreachable(r.stderr) || !r.stdout.trim().startsWith('['))) {
    if (!engineUnreachable(r.stderr) && /No such (object|container)/i.test(r.stderr)) return [];
    throw dockerError(new PctlError({ code: 'CommandFailed', message: r.stderr, detail: r.stderr }), 'inspecting containers');
  }
  return JSON.parse(r.stdout || '[]') as Inspect[];
}

/** The end of one run of a container, from the engine's `die` event. */
export interface Death {
  exitCode: number;
  /** Engine time of the death, seconds since the epoch (for `docker logs --until`). */
  at: string;
}

// The last death of a container (by id: a removed container of the same name died too)
// since `startedAt` (local ms), from `docker events`. The
// window is given relative to the engine host's clock (`--until 0s`), so a remote host
// whose clock differs neither misses the event nor waits for the future.
export async function lastDeath(cli: Exec, id: string, startedAt: number): Promise<Death | undefined> {
  const since = Math.ceil((Date.now() - startedAt) / 1000) + 5;
  const r = await cli('docker', ['events', '--since', `${since}s`, '--until', '0s', '--filter', 'type=container', '--filter', `container=${id}`, '--filter', 'event=die', '--format', '{{json .}}'], { reject: false });
  if (r.exitCode !== 0) return undefined;
  const deaths = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { timeNano?: number; time?: number; Actor?: { Attributes?: Record<string, string> } })
    .filter((e) => e.Actor?.Attributes?.exitCode !== undefined);
  const last = deaths.at(-1);
  if (!last) return undefined;
  const at = last.timeNano ? (last.timeNano / 1e9).toFixed(9) : String(last.time ?? '');
  return { exitCode: Number(last.Actor!.Attributes!.exitCode), at };
}

// The last log lines of a container, up to a moment (the failed run's end) if given.
async function logTail(cli: Exec, name: string, until?: string): Promise<string> {
  const logs = await cli('docker', ['logs', '--tail', '20', ...(until ? ['--until', until] : []), '--', name], { reject: false });
  return `${logs.stdout}\n${logs.stderr}`.trim();
}

// Why a container counts as failed, with the code and log of the run that failed.
async function failure(cli: Exec, key: string, bad: Inspect, startedAt: number): Promise<PctlError> {
  const name = bad.Name.replace(/^\//, '');
  const restarts = bad.RestartCount ?? 0;
  const unhealthy = bad.State.Health?.Status === 'unhealthy' && bad.State.Running && restarts === 0;
  // Once restarted, the container's State is the new run's: the failure is in the events.
  const death = !unhealthy && (restarts > 0 || bad.State.Restarting) ? await lastDeath(cli, bad.Id ?? name, startedAt) : undefined;
  const text = await logTail(cli, name, death?.at);
  const code = death?.exitCode ?? bad.State.ExitCode;
  const why = unhealthy ? 'is unhealthy' : `exited with code ${code}${restarts > 0 ? ` (restarted ${restarts}×)` : ''}`;
  return new PctlError({
    code: 'ContainerFailed',
    exitCode: 1,
    message: `${key}: container ${name} ${why}${text ? `: ${lastLines(text, 1)}` : ''}`,
    fault: 'user',
    hint: `see docker logs ${name}`,
    detail: text ? `last log lines of ${name}${death ? ' (the run that failed)' : ''}:\n${lastLines(text, 20)}` : undefined,
  });
}

// Waits until every container runs (and is healthy when it has a health check).
export async function waitRunning(cli: Exec, key: string, names: string[], healthCheck: boolean, timeoutMs: number, startedAt = Date.now()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let readySince: number | undefined;
  for (;;) {
    const states = await inspect(cli, names);
    // A container that exits, restarts (the restart policy hides an exit) or turns unhealthy failed.
    const bad =
      states.find((s) => (!s.State.Running && ['exited', 'dead'].includes(s.State.Status)) || s.State.Restarting || (s.RestartCount ?? 0) > 0) ??
      states.find((s) => s.State.Health?.Status === 'unhealthy');
    if (bad) throw await failure(cli, key, bad, startedAt);
    const ready = states.length === names.length && states.every((s) => s.State.Running && (!healthCheck || s.State.Health?.Status === 'healthy'));
    // Ready twice, a second apart: a process that dies right after starting is caught.
    if (ready && readySince && Date.now() - readySince >= 1000) return;
    readySince = ready ? (readySince ?? Date.now()) : undefined;
    if (Date.now() > deadline) {
      throw new PctlError({
        code: 'ContainerTimeout',
        message: `${key}: containers not ${healthCheck ? 'healthy' : 'running'} after ${Math.round(timeoutMs / 1000)}s (${states.map((s) => `${s.Name.replace(/^\//, '')}: ${s.State.Health?.Status ?? s.State.Status}`).join(', ')})`,
        fault: 'environment',
        hint: 'raise provider.options.timeout (seconds) or check the health command',
      });
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
