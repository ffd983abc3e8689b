// `pctl port-forward`: local ports on 127.0.0.1, each connection dialled through the
// provider to one replica of the service (found again when it goes away), until the
// signal aborts. Ports default to the service's `ports`; a local port in use is refused
// by name before any is opened.
import net from 'node:net';
import { parsePortEntry } from '../config/ports.js';
import { PctlError } from '../errors.js';
import { reachServices } from './innerLoop.js';
import type { SessionOptions } from './session.js';

export interface PortForwardOptions extends SessionOptions {
  service: string;
  /** `[LOCAL:]REMOTE` each; `:REMOTE` picks a free local port; none: the service's ports. */
  ports: string[];
  replica?: number;
  /** Called once every local port listens. */
  onReady(forwards: Forward[]): void;
  /** A connection that could not be made or broke (the forward goes on). */
  onConnectionError(forward: Forward, error: Error): void;
}

export interface Forward {
  service: string;
  replica: string;
  local: number;
  remote: number;
}

const bad = (message: string) =>
  new PctlError({
    code: 'BadUsage',
    message,
    fault: 'user',
    exitCode: 2,
    hint: 'ports are [LOCAL:]REMOTE, e.g. 8080:80, 5432 or :80 (a free local port)',
  });

// `8080:80` -> { local: 8080, remote: 80 }; `80` -> 80:80; `:80` -> 0:80 (any free local port).
export function parseForward(text: string): { local: number; remote: number } {
  const m = /^(?:(\d{0,5}):)?(\d{1,5})$/.exec(text.trim());
  const n = (s: string) => Number(s);
  if (!m || n(m[2]!) < 1 || n(m[2]!) > 65535 || (m[1] && (n(m[1]) < 1 || n(m[1]) > 65535)))
    throw bad(`${JSON.stringify(text)} is not a port to forward`);
  return { local: m[1] === undefined ? n(m[2]!) : m[1] === '' ? 0 : n(m[1]), remote: n(m[2]!) };
}

// Listens on every forward; resolves when the signal aborts (everything closed).
export async function runPortForward(opts: PortForwardOptions): Promise<Forward[]> {
  const { session, services } = await reachServices(opts, [opts.service], 'portForward');
  const s = services[0]!;
  let wanted = opts.ports.map(parseForward);
  if (!wanted.length) {
    const ports = (session.loaded.config.services[s.name]!.ports ?? [])
      .map(parsePortEntry)
      .filter((p) => typeof p !== 'string' && p.protocol === 'tcp');
    wanted = ports.flatMap((p) =>
      typeof p === 'string'
        ? []
        : Array.from({ length: p.range }, (_, i) => ({ local: p.containerPort + i, remote: p.containerPort + i })),
    );
    if (!wanted.length)
      throw bad(`service ${s.name} has no tcp ports: name the ports to forward (pctl port-forward ${s.name} 8080:80)`);
  }
  const dialer = await s.provider.portForward!({ ctx: session.ctx, key: s.key, entry: s.entry, replica: opts.replica });
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  try {
    const forwards: Forward[] = [];
    for (const w of wanted) {
      const server = net.createServer();
      const local = await listen(server, w.local);
      servers.push(server);
      const f: Forward = { service: s.name, replica: dialer.replica(), local, remote: w.remote };
      forwards.push(f);
      server.on('connection', (client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.pause();
        dialer.dial(w.remote).then(
          (remote) => {
            sockets.add(remote as net.Socket);
            remote.on('close', () => sockets.delete(remote as net.Socket));
            const fail = (e: Error) => {
              opts.onConnectionError(f, e);
              client.destroy();
              remote.destroy();
            };
            remote.on('error', fail);
            client.on('error', () => remote.destroy());
            client.pipe(remote);
            remote.pipe(client);
            client.resume();
          },
          (e: Error) => {
            opts.onConnectionError(f, e);
            client.destroy();
          },
        );
      });
    }
    opts.onReady(forwards);
    await new Promise<void>((resolve) => {
      if (opts.signal.aborted) return resolve();
      opts.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return forwards;
  } finally {
    for (const x of sockets) x.destroy();
    await Promise.all(servers.map((x) => new Promise<void>((r) => x.close(() => r()))));
    await dialer.close();
  }
}

// Listens on 127.0.0.1:port (0: any free one); a port in use is LocalPortInUse naming it.
function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const taken = e.code === 'EADDRINUSE' || e.code === 'EACCES';
      reject(
        taken
          ? new PctlError({
              code: 'LocalPortInUse',
              message: `local port ${port} ${e.code === 'EACCES' ? 'may not be opened by this user' : 'is already in use'} (127.0.0.1:${port})`,
              fault: 'user',
              exitCode: 1,
              hint: `choose another local port: pctl port-forward SERVICE <free port>:REMOTE, or :REMOTE for any free one`,
            })
          : e,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}
