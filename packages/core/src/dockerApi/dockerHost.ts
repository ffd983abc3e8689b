// A docker host string (`unix:///path`, `tcp://host:port`, `ssh://user@host:port`, or a
// bare `host:port`, which the docker CLI reads as tcp) as an endpoint, the way the docker
// CLI parses DOCKER_HOST and a context's endpoint.
import { endpointInvalid } from './endpointError.js';
import type { EngineEndpoint } from './types.js';

export interface HostSource {
  /** Where the string came from, for messages: `DOCKER_HOST`, `docker context "prod"`. */
  name: string;
  /** What to do when it is wrong. */
  fix: string;
  /** For tcp: TLS settings (files already read), or none for plain HTTP. */
  tls?: EngineEndpoint['tls'];
  /** Appended to `describe` (e.g. ` (docker context "prod")`). */
  suffix?: string;
}

export const DEFAULT_SOCKET = '/var/run/docker.sock';

// The endpoint a host string names; a scheme or shape the docker CLI refuses is one error line.
export function parseDockerHost(raw: string, src: HostSource): EngineEndpoint {
  const value = raw.trim();
  const bad = (why: string) => endpointInvalid(`${src.name} is ${JSON.stringify(raw)}: ${why}`, src.fix);
  const withScheme = value.includes('://') ? value : `tcp://${value}`;
  const scheme = withScheme.slice(0, withScheme.indexOf('://')).toLowerCase();
  const rest = withScheme.slice(scheme.length + 3);
  const describe = `${value}${src.suffix ?? ''}`;
  if (scheme === 'unix') {
    // `unix://` alone is the default socket to the docker CLI.
    if (!rest) return { kind: 'unix', socketPath: DEFAULT_SOCKET, describe };
    if (rest.includes('\0')) throw bad('the socket path holds a NUL byte');
    return { kind: 'unix', socketPath: rest, describe };
  }
  if (scheme === 'tcp') {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:/?#@[\]]*)(?::(\d*))?\/?$/.exec(rest);
    if (!m) throw bad('expected tcp://host:port (no user, path or query)');
    // The docker CLI defaults to 2375, with TLS too.
    const port = m[2] ? Number(m[2]) : 2375;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${m[2]} is not a port number (1-65535)`);
    const host = (m[1] || 'localhost').replace(/^\[(.*)\]$/, '$1');
    return {
      kind: 'tcp',
      host,
      port,
      ...(src.tls ? { tls: src.tls } : {}),
      describe: `${describe}${src.tls ? ' (TLS)' : ''}`,
    };
  }
  if (scheme === 'ssh') {
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw bad('expected ssh://[user@]host[:port]');
    }
    if (!url.hostname || url.hostname.startsWith('-')) throw bad('expected ssh://[user@]host[:port]');
    if (url.password) throw bad('a password in the address is not supported (use an ssh key or agent)');
    if ((url.pathname && url.pathname !== '/') || url.search || url.hash)
      throw bad('an ssh:// address takes no path or query (the remote socket comes from the host)');
    const user = url.username ? decodeURIComponent(url.username) : undefined;
    if (user?.startsWith('-')) throw bad('the user name must not start with "-"');
    return {
      kind: 'ssh',
      ssh: {
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        ...(user ? { user } : {}),
        ...(url.port ? { port: Number(url.port) } : {}),
      },
      describe,
    };
  }
  if (scheme === 'npipe') throw bad('named pipes exist only on Windows');
  if (scheme === 'fd') throw bad('fd:// is an address the daemon listens on, not one a client connects to');
  throw bad(`unknown scheme "${scheme}://" (docker takes unix://, tcp:// and ssh://)`);
}
