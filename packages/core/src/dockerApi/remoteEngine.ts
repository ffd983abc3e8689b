// Which engine socket of the remote host to forward: the one given, else what an ssh
// session there has as DOCKER_HOST, else what its docker CLI's current context names,
// else /var/run/docker.sock.
import { endpointInvalid } from './endpointError.js';
import { DEFAULT_SOCKET } from './dockerHost.js';
import type { EngineContext, SshTarget } from './types.js';
import { clientArgs } from './sshArgs.js';
import { sshWhere } from './sshError.js';

/** The far end of the forward: a unix socket path, or host:port of a plain-tcp engine. */
export interface RemoteEngine {
  forwardTo: string;
  describe: string;
}

// The remote engine, asking the host (over the master) when the target does not say.
export async function remoteEngine(ctx: EngineContext, t: SshTarget, control: string): Promise<RemoteEngine> {
  if (t.remoteSocket)
    return parseRemote(t, t.remoteSocket.startsWith('/') ? `unix://${t.remoteSocket}` : t.remoteSocket, 'remoteSocket');
  const ask = async (command: string[]) => {
    const r = await ctx.exec('ssh', clientArgs(t, control, { command }), { reject: false });
    return r.exitCode === 0 ? r.stdout.trim().split('\n').at(-1)!.trim() : '';
  };
  const fromEnv = await ask(['printenv', 'DOCKER_HOST']);
  if (fromEnv) return parseRemote(t, fromEnv, 'DOCKER_HOST of an ssh session');
  const fromContext = await ask(['docker', 'context', 'inspect', '--format', `'{{.Endpoints.docker.Host}}'`]);
  if (/^(unix|tcp):\/\//.test(fromContext)) return parseRemote(t, fromContext, 'the current docker context');
  return { forwardTo: DEFAULT_SOCKET, describe: `unix://${DEFAULT_SOCKET}` };
}

// A remote host string as the far end of `ssh -L`: unix paths and plain tcp only.
function parseRemote(t: SshTarget, host: string, source: string): RemoteEngine {
  const bad = (why: string) =>
    endpointInvalid(
      `the Docker engine on ${sshWhere(t)} (${source}) is ${JSON.stringify(host)}: ${why}`,
      'point the host at a unix socket (unix:///var/run/docker.sock) or a plain tcp://host:port',
    );
  const unix = /^unix:\/\/(\/[^\0\n:]*)$/.exec(host);
  if (unix) return { forwardTo: unix[1]!, describe: host };
  const tcp = /^tcp:\/\/([\w.-]+|\[[0-9a-fA-F:]+\]):(\d+)\/?$/.exec(host);
  if (tcp) return { forwardTo: `${tcp[1]}:${tcp[2]}`, describe: host };
  throw bad('pctl forwards unix sockets and plain tcp engines only (no ":" in a socket path)');
}
