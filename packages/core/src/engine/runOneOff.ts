// `pctl run SERVICE [-- COMMAND...]`: a one-off container (or pod) from the service as the
// stack file describes it now: its image (built first when pctl builds it and it is not
// there yet), env and volumes; attached to the caller's streams, removed after, its exit
// code handed back. It takes no lock and writes no state: it changes nothing that runs.
import type { ExecTerminal, RunOutcome } from '../contract.js';
import { PctlError } from '../errors.js';
import { buildForTargets } from './deployImages.js';
import { openSession, requireKnownServices, type SessionOptions } from './session.js';
import { computeTargets } from './targets.js';

export interface RunOneOffOptions extends SessionOptions {
  service: string;
  /** The command as an argument array; none: the service's own command. */
  command?: string[];
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  tty?: ExecTerminal;
}

// Runs the one-off; resolves with what ran and its exit code.
export async function runOneOff(opts: RunOneOffOptions): Promise<RunOutcome & { service: string }> {
  const session = await openSession(opts);
  requireKnownServices(session, [opts.service]);
  const all = await computeTargets({
    stack: session.ctx.stack,
    config: session.loaded.config,
    configDir: session.ctx.configDir,
    cwd: session.ctx.cwd,
    secrets: session.loaded.secrets,
  });
  const target = all.find((t) => t.name === opts.service)!;
  const provider = await session.v1(target.service.provider.name);
  if (!provider.run)
    throw new PctlError({
      code: 'VerbUnsupported',
      message: `provider ${provider.name} cannot run a one-off (service ${opts.service})`,
      fault: 'user',
      exitCode: 2,
      hint: 'the docker, kind, aws and gcp providers can; see docs/using/dev.md',
    });
  if (!target.image.ref)
    throw new PctlError({
      code: 'BadUsage',
      message: `service ${opts.service} has no image to run (manifests only)`,
      fault: 'user',
      exitCode: 2,
    });
  // Built once per content: a present image is not built again (BuildSkipped).
  if (target.build && target.image.builtByPctl) await buildForTargets(session.ctx, [target], all, opts.signal);
  const r = await provider.run({
    ctx: session.ctx,
    target,
    command: opts.command,
    stdin: opts.stdin,
    stdout: opts.stdout,
    stderr: opts.stderr,
    tty: opts.tty,
    signal: opts.signal,
  });
  return { ...r, service: opts.service };
}
