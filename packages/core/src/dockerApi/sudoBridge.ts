// For a host whose ssh user cannot open the engine's socket: a private local socket whose
// every connection is piped to `sudo -n docker system dial-stdio` run over the ssh master
// (a new channel on the one connection, no new handshake).
import net from 'node:net';
import { loadExeca, spawnStream } from '../exec.js';
import { clientArgs, shellQuote } from './sshArgs.js';
import type { SshTarget } from './types.js';

export async function sudoBridge(
  t: SshTarget,
  control: string,
  socketPath: string,
  remoteHost?: string,
): Promise<{ close(): Promise<void>; failure(): string | undefined }> {
  await loadExeca();
  let failure: string | undefined;
  const children = new Set<{ kill(): void }>();
  const command = [
    'sudo',
    '-n',
    'docker',
    ...(remoteHost ? ['--host', shellQuote(remoteHost)] : []),
    'system',
    'dial-stdio',
  ];
  const server = net.createServer((sock) => {
    const p = spawnStream('ssh', clientArgs(t, control, { command }));
    children.add(p);
    sock.pipe(p.stdin);
    // The socket ends only once the exit is known, so a failure is recorded before a client sees it.
    p.stdout.pipe(sock, { end: false });
    // An answer from the engine: an earlier failure is no longer the reason for anything.
    p.stdout.once('data', () => (failure = undefined));
    sock.on('error', () => p.kill());
    sock.on('close', () => p.kill());
    void p.exited.then((r) => {
      children.delete(p);
      if (r.exitCode !== 0 && r.exitCode !== 143 && r.stderr.trim()) failure = r.stderr.trim().split('\n').at(-1);
      sock.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    failure: () => failure,
    async close() {
      for (const c of children) c.kill();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
