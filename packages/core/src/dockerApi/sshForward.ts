// A remote engine over ONE OpenSSH connection: a control master (`ssh -N -M`) holds it, and
// the remote engine's socket is forwarded over it to a private local socket (`-O forward -L`);
// with `sudo`, each local connection instead runs `sudo -n docker system dial-stdio` over
// the master. The master runs through the exec wrapper and lives until close() or exit.
import { existsSync, watch } from 'node:fs';
import path from 'node:path';
import { PctlError, isPctlError } from '../errors.js';
import { privateDir } from './privateDir.js';
import { remoteEngine } from './remoteEngine.js';
import { clientArgs, masterArgs } from './sshArgs.js';
import { sudoBridge } from './sudoBridge.js';
import { sshFailed, sshWhere } from './sshError.js';
import type { EngineContext, SshTarget } from './types.js';

export interface SshForward {
  socketPath: string;
  /** The remote engine for messages: `ssh://root@10.0.0.5 (unix:///var/run/docker.sock)`. */
  describe: string;
  /** Why the connection is gone (ssh's last words), once it is. */
  lost(): string | undefined;
  /** What the last sudo bridge said when it failed, if it did. */
  bridgeFailure(): string | undefined;
  /** A local socket forwarded over the same connection to `host:port` as the remote host sees it (a container's address). */
  tunnel(host: string, port: number): Promise<string>;
  close(): Promise<void>;
}

/** The ssh connection behind an engine, for engineError's wording. */
export const forwards = new WeakMap<object, SshForward>();

type MasterEnd = { exitCode: number; stderr: string; error?: unknown };

// Opens the connection and the forward; ssh's own failures are SshFailed naming the host.
export async function openSshForward(ctx: EngineContext, t: SshTarget): Promise<SshForward> {
  let pid: number | undefined;
  const priv = privateDir(() => pid && process.kill(pid, 'SIGTERM'));
  const control = path.join(priv.dir, 'c');
  const socketPath = path.join(priv.dir, 'd.sock');
  const lifetime = new AbortController();
  let ended: MasterEnd | undefined;
  const master: Promise<MasterEnd> = ctx
    .exec('ssh', masterArgs(t, control), { reject: false, signal: lifetime.signal })
    .then(
      (r) => (ended = { exitCode: r.exitCode, stderr: r.stderr }),
      (e: unknown) =>
        (ended = {
          exitCode: -1,
          stderr: e instanceof Error ? e.message : String(e),
          error: lifetime.signal.aborted ? undefined : e,
        }),
    );
  let bridge: { close(): Promise<void>; failure(): string | undefined } | undefined;
  const close = async () => {
    await bridge?.close();
    lifetime.abort();
    await master;
    priv.release();
  };
  try {
    await untilExists(control, master, ctx.signal, t);
    const check = await ctx.exec('ssh', clientArgs(t, control, { op: ['-O', 'check'] }), { reject: false });
    pid = Number(/pid=(\d+)/.exec(check.stderr)?.[1]) || undefined;
    const remote = await remoteEngine(ctx, t, control);
    if (t.sudo) {
      bridge = await sudoBridge(t, control, socketPath, t.remoteSocket ? remote.describe : undefined);
    } else {
      const fwd = await ctx.exec(
        'ssh',
        clientArgs(t, control, { op: ['-O', 'forward', '-L', `${socketPath}:${remote.forwardTo}`] }),
        { reject: false },
      );
      if (fwd.exitCode !== 0 || !existsSync(socketPath))
        throw ended
          ? sshFailed(t, ended.stderr)
          : sshFailed(t, fwd.stderr || 'the forward of the engine socket failed');
    }
    let tunnels = 0;
    const opened = new Map<string, string>();
    // One more `-O forward -L` on the master: no new ssh connection, no handshake.
    const tunnel = async (host: string, port: number) => {
      const to = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const known = opened.get(to);
      if (known && existsSync(known)) return known;
      const sock = path.join(priv.dir, `t${++tunnels}.sock`);
      const r = await ctx.exec('ssh', clientArgs(t, control, { op: ['-O', 'forward', '-L', `${sock}:${to}`] }), {
        reject: false,
      });
      if (r.exitCode !== 0 || !existsSync(sock))
        throw ended ? sshFailed(t, ended.stderr) : sshFailed(t, r.stderr || `the forward to ${to} failed`);
      opened.set(to, sock);
      return sock;
    };
    const describe = `ssh://${sshWhere(t)} (${t.sudo ? `sudo docker${t.remoteSocket ? ` --host ${remote.describe}` : ''} system dial-stdio` : remote.describe})`;
    return {
      socketPath,
      describe,
      lost: () => (ended ? ended.stderr || `ssh exited (code ${ended.exitCode})` : undefined),
      bridgeFailure: () => bridge?.failure(),
      tunnel,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

// Resolves once ssh has made the control socket (it has connected and authenticated);
// rejects with ssh's error if it ends first, or when the run is interrupted.
function untilExists(
  file: string,
  master: Promise<MasterEnd>,
  signal: AbortSignal | undefined,
  t: SshTarget,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const watcher = watch(path.dirname(file), () => existsSync(file) && done());
    watcher.on('error', () => undefined);
    const onAbort = () =>
      done(
        new PctlError({
          code: 'Interrupted',
          message: `interrupted while connecting to ${sshWhere(t)} over ssh`,
          fault: 'user',
          exitCode: 130,
        }),
      );
    signal?.addEventListener('abort', onAbort, { once: true });
    function done(err?: unknown) {
      watcher.close();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    }
    void master.then((end) =>
      done(
        end.error && isPctlError(end.error) && end.error.code !== 'CommandFailed'
          ? end.error
          : sshFailed(t, end.stderr),
      ),
    );
    if (signal?.aborted) onAbort();
    else if (existsSync(file)) done();
  });
}
