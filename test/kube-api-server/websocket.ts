// A WebSocket server end (RFC 6455) for the streaming subresources: the upgrade handshake, message framing, ping/pong, close.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The subprotocols a client offers, in its order of preference. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  const all = Array.isArray(h) ? h.join(',') : (h ?? '');
  return all
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' && typeof req.headers['sec-websocket-key'] === 'string'
  );
}

/**
 * One accepted WebSocket connection. Events: 'message' (data: Buffer, binary: boolean), 'close' (code: number). Messages
 * are reassembled from fragments; pings are answered; a close frame is echoed and ends the socket.
 */
export class WebSocketConnection extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBinary = true;
  private closed = false;

  constructor(
    private readonly socket: Duplex,
    readonly protocol: string,
  ) {
    super();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => this.finish(1006));
    socket.on('error', () => this.finish(1006));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Send one binary (default) or text message. */
  send(data: Buffer | string, binary = true): void {
    if (this.closed) return;
    this.writeFrame(binary ? 0x2 : 0x1, typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Send a close frame with `code` and end the connection. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.writeFrame(0x8, payload);
    this.socket.end();
    this.finish(code);
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code);
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    let head: Buffer;
    if (payload.length < 126) {
      head = Buffer.from([0x80 | opcode, payload.length]);
    } else if (payload.length < 65536) {
      head = Buffer.alloc(4);
      head[0] = 0x80 | opcode;
      head[1] = 126;
      head.writeUInt16BE(payload.length, 2);
    } else {
      head = Buffer.alloc(10);
      head[0] = 0x80 | opcode;
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      if (this.buf.length < 2) return;
      const fin = (this.buf[0] & 0x80) !== 0;
      const opcode = this.buf[0] & 0x0f;
      const masked = (this.buf[1] & 0x80) !== 0;
      let len = this.buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return;
        len = this.buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.buf.length < 10) return;
        len = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      const maskAt = off;
      if (masked) off += 4;
      if (this.buf.length < off + len) return;
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= this.buf[maskAt + (i % 4)];
      this.buf = this.buf.subarray(off + len);
      this.onFrame(fin, opcode, payload);
      if (this.closed) return;
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0:
      case 0x1:
      case 0x2: {
        if (opcode !== 0x0) this.fragmentBinary = opcode === 0x2;
        this.fragments.push(payload);
        if (!fin) return;
        const message = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments);
        this.fragments = [];
        this.emit('message', message, this.fragmentBinary);
        return;
      }
      case 0x8:
        this.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
        return;
      case 0x9:
        this.writeFrame(0xa, payload);
        return;
      default:
      // Pongs and reserved opcodes carry nothing for us.
    }
  }
}

/**
 * Complete the handshake on an 'upgrade' socket, choosing the first protocol the client offers that `supported` has, or
 * answer 400 and return undefined when none fits.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  supported: string[],
): WebSocketConnection | undefined {
  const protocol = offeredProtocols(req).find((p) => supported.includes(p));
  if (protocol === undefined) {
    rejectUpgrade(socket, 400, `none of the offered subprotocols is supported (supported: ${supported.join(', ')})`);
    return undefined;
  }
  const accept = createHash('sha1')
    .update(`${String(req.headers['sec-websocket-key'])}${GUID}`)
    .digest('base64');
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${accept}`,
      `Sec-WebSocket-Protocol: ${protocol}`,
      '',
      '',
    ].join('\r\n'),
  );
  const ws = new WebSocketConnection(socket, protocol);
  if (head.length) socket.unshift(head);
  return ws;
}

/** Answer an upgrade request with a plain HTTP error (a Kubernetes Status when `status` is given) and close the socket. */
export function rejectUpgrade(socket: Duplex, code: number, message: string, status?: object): void {
  const body = status ? JSON.stringify(status) : message;
  const type = status ? 'application/json' : 'text/plain';
  const reason =
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      404: 'Not Found',
      405: 'Method Not Allowed',
      500: 'Internal Server Error',
    }[code] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
