// gRPC's framing over HTTP/2 for the few unary calls a BuildKit session serves: each
// message is a 5-byte prefix (compressed flag, big-endian length) then the protobuf bytes;
// the status travels in trailers (grpc-status, grpc-message).
import type { ServerHttp2Stream } from 'node:http2';

/** gRPC status codes pctl answers with. */
export const GrpcStatus = { OK: 0, NOT_FOUND: 5, INTERNAL: 13, UNIMPLEMENTED: 12 } as const;

export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

// One length-prefixed message.
export function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

// The messages in a request body (uncompressed only: pctl advertises no compression).
export function unframe(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (pos + 5 > body.length) throw new GrpcError(GrpcStatus.INTERNAL, 'truncated gRPC message prefix');
    if (body[pos] !== 0) throw new GrpcError(GrpcStatus.UNIMPLEMENTED, 'compressed gRPC messages are not supported');
    const len = body.readUInt32BE(pos + 1);
    if (pos + 5 + len > body.length) throw new GrpcError(GrpcStatus.INTERNAL, 'truncated gRPC message');
    out.push(body.subarray(pos + 5, pos + 5 + len));
    pos += 5 + len;
  }
  return out;
}

export type UnaryHandler = (request: Buffer) => Promise<Buffer>;

// Answers one HTTP/2 stream as a unary gRPC call of `handlers` (by its :path).
export function serveUnary(stream: ServerHttp2Stream, path: string, handlers: Map<string, UnaryHandler>): void {
  const chunks: Buffer[] = [];
  const fail = (code: number, message: string) => {
    if (stream.destroyed || stream.headersSent) return stream.destroy();
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-status': String(code),
        'grpc-message': encodeURIComponent(message),
      },
      { endStream: true },
    );
  };
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => undefined);
  stream.on('end', () => {
    const handler = handlers.get(path);
    if (!handler) return fail(GrpcStatus.UNIMPLEMENTED, `unknown method ${path}`);
    let request: Buffer;
    try {
      request = unframe(Buffer.concat(chunks))[0] ?? Buffer.alloc(0);
    } catch (e) {
      return fail(e instanceof GrpcError ? e.code : GrpcStatus.INTERNAL, (e as Error).message);
    }
    handler(request).then(
      (reply) => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frame(reply));
      },
      (e: unknown) =>
        fail(e instanceof GrpcError ? e.code : GrpcStatus.INTERNAL, e instanceof Error ? e.message : String(e)),
    );
  });
}
