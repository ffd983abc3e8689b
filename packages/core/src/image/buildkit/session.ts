// A BuildKit session with the engine: POST /session upgraded to h2c (headers name the
// session, its shared key and every gRPC method served), then pctl is the gRPC server on
// that connection and the engine's BuildKit its client, calling back for registry
// credentials, build secrets, ssh agents and health checks while the build runs (moby/buildkit
// session/manager.go, session/grpc.go).
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Engine } from '../../dockerApi/index.js';
import { serveUnary, type UnaryHandler } from './grpc.js';
import { serveStream, type StreamHandler } from './grpcStream.js';
import { Writer } from './protobuf.js';

export const HEALTH_CHECK = '/grpc.health.v1.Health/Check';

export interface BuildSession {
  id: string;
  close(): void;
}

// BuildKit's identity.NewID: 25 base-36 characters.
function newId(): string {
  return [...randomBytes(25)].map((b) => (b % 36).toString(36)).join('');
}

function dial(engine: Engine, headers: Record<string, string | string[]>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    engine.api.modem.dial(
      // An empty body with a length: an upgraded connection must carry no chunked trailer.
      {
        path: '/session',
        method: 'POST',
        hijack: true,
        file: Buffer.alloc(0),
        headers: { ...headers, Upgrade: 'h2c', Connection: 'Upgrade' },
        statusCodes: { 101: true, 200: true },
      },
      (err: unknown, socket: unknown) => (err ? reject(err) : resolve(socket as Socket)),
    );
  });
}

// Opens a session serving `handlers` (plus the health check) until close().
export async function openSession(
  engine: Engine,
  opts: { name: string; handlers: Map<string, UnaryHandler>; streams?: Map<string, StreamHandler> },
): Promise<BuildSession> {
  const id = newId();
  const handlers = new Map(opts.handlers);
  handlers.set(HEALTH_CHECK, async () => new Writer().varint(1, 1).finish()); // SERVING
  const socket = await dial(engine, {
    'X-Docker-Expose-Session-Uuid': id,
    'X-Docker-Expose-Session-Name': opts.name,
    'X-Docker-Expose-Session-Sharedkey': newId(),
    'X-Docker-Expose-Session-Grpc-Method': [...handlers.keys(), ...(opts.streams?.keys() ?? [])],
  });
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path'] ?? '');
    const streaming = opts.streams?.get(path);
    if (streaming) serveStream(stream, headers, streaming);
    else serveUnary(stream, path, handlers);
  });
  server.on('sessionError', () => undefined);
  socket.on('error', () => undefined);
  server.emit('connection', socket);
  return {
    id,
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}
