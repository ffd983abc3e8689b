// gRPC streaming calls a BuildKit session serves (the ssh agent's ForwardAgent): the
// client's messages are read as they arrive, replies go out as the handler sends them,
// and the status follows in trailers once the handler ends.
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { GrpcError, GrpcStatus, frame } from './grpc.js';

/** BuildKit's own limit for one message (grpc's default). */
const MAX_MESSAGE = 16 << 20;

export interface StreamCall {
  /** A gRPC metadata value the client sent (HTTP/2 header, lower case). */
  metadata(key: string): string | undefined;
  /** The client's messages in order; ends when the client half-closes. */
  messages: AsyncIterable<Buffer>;
  send(message: Buffer): void;
}

export type StreamHandler = (call: StreamCall) => Promise<void>;

// The length-prefixed messages of a byte stream, as they complete.
export async function* grpcMessages(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 5) {
      if (buf[0] !== 0) throw new GrpcError(GrpcStatus.UNIMPLEMENTED, 'compressed gRPC messages are not supported');
      const len = buf.readUInt32BE(1);
      if (len > MAX_MESSAGE) throw new GrpcError(GrpcStatus.INTERNAL, `gRPC message of ${len} bytes is too large`);
      if (buf.length < 5 + len) break;
      yield buf.subarray(5, 5 + len);
      buf = buf.subarray(5 + len);
    }
  }
  if (buf.length) throw new GrpcError(GrpcStatus.INTERNAL, 'truncated gRPC message');
}

// Answers one HTTP/2 stream as a streaming gRPC call.
export function serveStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, handler: StreamHandler): void {
  stream.on('error', () => undefined);
  let responded = false;
  const respond = () => {
    if (responded || stream.destroyed) return;
    responded = true;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  };
  let status = { code: GrpcStatus.OK as number, message: '' };
  const call: StreamCall = {
    metadata: (key) => {
      const v = headers[key.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    },
    messages: grpcMessages(stream as AsyncIterable<Buffer>),
    send: (message) => {
      respond();
      if (!stream.destroyed && stream.writable) stream.write(frame(message));
    },
  };
  handler(call)
    .catch((e: unknown) => {
      status = {
        code: e instanceof GrpcError ? e.code : GrpcStatus.INTERNAL,
        message: e instanceof Error ? e.message : String(e),
      };
    })
    .finally(() => {
      if (stream.destroyed) return;
      if (!responded && status.code !== GrpcStatus.OK) {
        responded = true;
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': String(status.code),
            'grpc-message': encodeURIComponent(status.message),
          },
          { endStream: true },
        );
        return;
      }
      respond();
      stream.once('wantTrailers', () =>
        stream.sendTrailers({
          'grpc-status': String(status.code),
          ...(status.message ? { 'grpc-message': encodeURIComponent(status.message) } : {}),
        }),
      );
      stream.end();
    });
}
