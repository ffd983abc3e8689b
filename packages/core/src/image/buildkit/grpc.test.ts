import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcError, GrpcStatus, frame, serveUnary, unframe, type UnaryHandler } from './grpc.js';
import { Message, Writer } from './protobuf.js';
import { AUTH_CREDENTIALS, GET_SECRET, secretsService } from './services.js';
import { chooseBuilder } from './support.js';

describe('gRPC framing', () => {
  it('prefixes a message with its flag and big-endian length, and reads it back', () => {
    const f = frame(Buffer.from('abc'));
    expect([...f.subarray(0, 5)]).toEqual([0, 0, 0, 0, 3]);
    expect(unframe(Buffer.concat([f, frame(Buffer.alloc(0))])).map((b) => b.toString())).toEqual(['abc', '']);
  });

  it('rejects compressed or truncated messages', () => {
    expect(() => unframe(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
    expect(() => unframe(Buffer.from([0, 0, 0, 0, 9, 1]))).toThrow(/truncated/);
    expect(() => unframe(Buffer.from([0, 0]))).toThrow(/truncated/);
  });
});

// A real HTTP/2 client calls the server side as BuildKit's gRPC client would.
describe('unary gRPC calls over HTTP/2', () => {
  let server: http2.Http2Server | undefined;
  afterEach(() => server?.close());

  async function call(handlers: Map<string, UnaryHandler>, path: string, request: Buffer) {
    server = http2.createServer();
    server.on('stream', (stream, headers) => serveUnary(stream, String(headers[':path']), handlers));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const req = client.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const chunks: Buffer[] = [];
      let headers: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      req.on('response', (h) => (headers = h));
      req.on('trailers', (t) => (trailers = t));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.end(frame(request));
      await new Promise((r) => req.on('close', r));
      const status = trailers['grpc-status'] ?? headers['grpc-status'];
      return {
        status: Number(status),
        message: decodeURIComponent(String(trailers['grpc-message'] ?? headers['grpc-message'] ?? '')),
        body: unframe(Buffer.concat(chunks)),
      };
    } finally {
      client.close();
    }
  }

  it('serves a secret by id, NotFound for another, Unimplemented for an unknown method', async () => {
    const handlers = new Map([secretsService(new Map([['npmrc', Buffer.from('token=abc')]]))]);
    const ok = await call(handlers, GET_SECRET, new Writer().bytes(1, 'npmrc').finish());
    expect(ok.status).toBe(GrpcStatus.OK);
    expect(new Message(ok.body[0]!).bytes(1)?.toString()).toBe('token=abc');
    server!.close();
    const missing = await call(handlers, GET_SECRET, new Writer().bytes(1, 'other').finish());
    expect(missing).toMatchObject({ status: GrpcStatus.NOT_FOUND, message: 'secret other not found' });
    server!.close();
    expect((await call(handlers, AUTH_CREDENTIALS, Buffer.alloc(0))).status).toBe(GrpcStatus.UNIMPLEMENTED);
  });

  it("returns a handler's GrpcError code", async () => {
    const handlers = new Map<string, UnaryHandler>([
      ['/x.Y/Z', async () => Promise.reject(new GrpcError(GrpcStatus.INTERNAL, 'broken'))],
    ]);
    expect(await call(handlers, '/x.Y/Z', Buffer.alloc(0))).toMatchObject({
      status: GrpcStatus.INTERNAL,
      message: 'broken',
    });
  });
});

describe('builder choice from the engine ping', () => {
  it('takes BuildKit unless the engine says classic or predates it', () => {
    expect(chooseBuilder({ 'builder-version': '2' })).toEqual({ builder: 'buildkit' });
    expect(chooseBuilder({ 'api-version': '1.41', ostype: 'linux' })).toEqual({ builder: 'buildkit' });
    expect(chooseBuilder({ 'builder-version': '1', 'api-version': '1.47' })).toMatchObject({
      builder: 'classic',
      why: expect.stringMatching(/features\.buildkit: false/),
    });
    expect(chooseBuilder({ 'api-version': '1.38' })).toMatchObject({
      builder: 'classic',
      why: expect.stringMatching(/1\.38/),
    });
    expect(chooseBuilder({ ostype: 'windows' })).toMatchObject({ builder: 'classic' });
  });
});
