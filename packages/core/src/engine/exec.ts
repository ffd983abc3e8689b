// `pctl exec`: runs a command in one running replica of a service and hands back its exit
// code; stdin, stdout and stderr are the caller's streams, byte for byte (or one TTY).
import type { ExecOutcome, ExecTerminal } from '../contract.js';
import { reachServices } from './innerLoop.js';
import type { SessionOptions } from './session.js';

export interface ExecOptions extends SessionOptions {
  service: string;
  command: string[];
  replica?: number;
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  tty?: ExecTerminal;
}

// Runs the command; resolves with where it ran and its exit code.
export async function runExec(opts: ExecOptions): Promise<ExecOutcome & { service: string }> {
  const { session, services } = await reachServices(opts, [opts.service], 'exec');
  const s = services[0]!;
  const r = await s.provider.exec!({
    ctx: session.ctx,
    key: s.key,
    entry: s.entry,
    command: opts.command,
    replica: opts.replica,
    stdin: opts.stdin,
    stdout: opts.stdout,
    stderr: opts.stderr,
    tty: opts.tty,
    signal: opts.signal,
  });
  return { ...r, service: s.name };
}
