// `pctl exec` on Docker: POST /containers/{id}/exec, then POST /exec/{id}/start hijacked
// (one raw connection carrying stdin up and the output down: multiplexed frames without a
// TTY, raw bytes with one), POST /exec/{id}/resize on each terminal size change, and the
// exit code from GET /exec/{id}/json once the output ended.
import { PctlError, type ExecOutcome, type ExecParams } from '@pctl/core';
import type { Duplex } from 'node:stream';
import { bodyOnly, pathPart, type Api } from './api.js';
import { frameReader } from './frames.js';
import { pickReplica, serviceApi } from './replicas.js';

// Runs the command in one running replica; resolves with its exit code.
export async function exec(p: ExecParams): Promise<ExecOutcome> {
  const api = await serviceApi(p.ctx, p.key, p.entry);
  const r = await pickReplica(api, p.ctx, p.key, p.replica);
  const what = `running ${JSON.stringify(p.command[0])} in ${r.container}`;
  const tty = Boolean(p.tty);
  const body = {
    Cmd: p.command,
    AttachStdin: Boolean(p.stdin),
    AttachStdout: true,
    AttachStderr: true,
    Tty: tty,
    ...(p.tty ? { ConsoleSize: [p.tty.rows, p.tty.columns] as [number, number] } : {}),
  };
  const created = await api.call(`POST /containers/${pathPart(r.container)}/exec`, what, (d) =>
    d.getContainer(r.id).exec(bodyOnly(body)),
  );
  const stream = (await api.call(`POST /exec/${created.id}/start`, what, () =>
    created.start({ hijack: true, stdin: Boolean(p.stdin), Tty: tty }),
  )) as Duplex;
  const resize = (size: { rows: number; columns: number }) => {
    api.log(`POST /exec/${created.id}/resize?h=${size.rows}&w=${size.columns}`);
    created.resize({ h: size.rows, w: size.columns }).catch(() => undefined);
  };
  const unresize = p.tty?.onResize(resize);
  try {
    await pump(stream, p, tty);
  } finally {
    unresize?.();
  }
  if (p.signal.aborted) return { replica: r.name, exitCode: 130 };
  return { replica: r.name, exitCode: await exitCode(api, created, what) };
}

// Copies stdin up and the output down (each write waited for when the reader is slow);
// resolves when the engine ends the output.
export function pump(
  stream: Duplex,
  p: Pick<ExecParams, 'stdin' | 'stdout' | 'stderr' | 'signal'>,
  tty: boolean,
): Promise<void> {
  const write = (to: NodeJS.WritableStream, b: Buffer) => {
    if (!to.write(b)) {
      stream.pause();
      to.once('drain', () => stream.resume());
    }
  };
  const frames = frameReader((s, b) => write(s === 'stderr' ? p.stderr : p.stdout, b));
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (e?: Error) => {
      if (settled) return;
      settled = true;
      p.signal.removeEventListener('abort', onAbort);
      if (p.stdin) p.stdin.unpipe?.(stream as unknown as NodeJS.WritableStream);
      if (e) reject(e);
      else resolve();
    };
    const onAbort = () => {
      stream.destroy();
      done();
    };
    p.signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (b: Buffer) => (tty ? write(p.stdout, b) : frames.push(b)));
    stream.on('end', () => done());
    stream.on('close', () => done());
    stream.on('error', (e) => done(e));
    // The end of stdin half-closes the connection: the command sees EOF (cat ends).
    if (p.stdin) p.stdin.pipe(stream as unknown as NodeJS.WritableStream, { end: true });
  });
}

// The exit code the engine recorded; it may lag the end of the output by a moment.
async function exitCode(
  api: Api,
  created: { id: string; inspect(): Promise<{ Running: boolean; ExitCode: number | null }> },
  what: string,
): Promise<number> {
  for (let i = 0; ; i++) {
    const s = await api.call(`GET /exec/${created.id}/json`, what, () => created.inspect());
    if (!s.Running && typeof s.ExitCode === 'number') return s.ExitCode;
    if (i >= 100)
      throw new PctlError({
        code: 'DockerApiError',
        message: `${what}: the engine reports the command still running after its output ended`,
        fault: 'environment',
        exitCode: 1,
      });
    await new Promise((r) => setTimeout(r, Math.min(10 * (i + 1), 200)));
  }
}
