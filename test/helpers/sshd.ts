// A real sshd on 127.0.0.1 for remote-host tests: its own host key, a client key made by
// the test, and sessions that talk to the Docker engine given (DOCKER_HOST) with an empty
// docker config of their own.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { until } from './until.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until something accepts connections on 127.0.0.1:port, or the process died. */
export async function waitPort(port: number, proc: ResultPromise, what: string, log: () => string): Promise<void> {
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
  await until(`${what} to listen on 127.0.0.1:${port}`, accepts, {
    giveUpIf: () =>
      proc.exitCode !== null && proc.exitCode !== undefined ? `${what} exited with ${proc.exitCode}` : undefined,
    detail: log,
  });
}

export interface TestSshd {
  port: number;
  /** The client private key (authorized for root). */
  key: string;
  log(): string;
  stop(): Promise<void>;
}

// ssh (run by pctl with StrictHostKeyChecking=accept-new) records the test's host key in
// root's known_hosts; drop it so a later run on the same port with a new key is not refused.
export const forgetHostKey = (port: number) => execa('ssh-keygen', ['-R', `[127.0.0.1]:${port}`], { reject: false });

/** sshd as root on 127.0.0.1:<port> (a free one unless given); sessions see `dockerHost`. */
export async function startSshd(root: string, dockerHost: string, port?: number): Promise<TestSshd> {
  const p = port ?? (await freePort());
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  mkdirSync(path.join(root, 'docker-config'), { recursive: true });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(root, 'host_key')]);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'pctl-test', '-f', path.join(root, 'id')]);
  writeFileSync(path.join(root, 'authorized_keys'), readFileSync(path.join(root, 'id.pub')));
  const config = path.join(root, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${p}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${root}/host_key`,
      `AuthorizedKeysFile ${root}/authorized_keys`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin yes',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${root}/sshd.pid`,
      `SetEnv DOCKER_HOST=${dockerHost} DOCKER_CONFIG=${root}/docker-config`,
      '',
    ].join('\n'),
  );
  await forgetHostKey(p);
  let log = '';
  const proc = execa('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
    reject: false,
    stdio: ['ignore', 'ignore', 'pipe'],
    cleanup: true,
  });
  proc.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-8000)));
  await waitPort(p, proc, 'sshd', () => log);
  return {
    port: p,
    key: path.join(root, 'id'),
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await proc;
      await forgetHostKey(p);
    },
  };
}
