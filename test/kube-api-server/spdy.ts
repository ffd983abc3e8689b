// The server end of SPDY/3.1 framing as Kubernetes' streaming clients speak it (moby/spdystream): streams the client opens
// with SYN_STREAM, answered with SYN_REPLY, DATA with FIN half-closes, RST_STREAM, PING echo, GOAWAY. No flow control
// (spdystream sends and reads no WINDOW_UPDATE). Used for port-forward, over a raw upgraded socket or tunnelled in
// WebSocket binary messages (kubectl 1.31+).
import { EventEmitter } from 'node:events';
import { constants, inflateSync } from 'node:zlib';

function adler32(b: Buffer): number {
  let a = 1;
  let c = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    c = (c + a) % 65521;
  }
  return ((c << 16) | a) >>> 0;
}

// SPDY/3's header compression dictionary (draft 3, section 2.6.10.1): length-prefixed names, then a tail of common values.
const DICTIONARY_WORDS = [
  'options',
  'head',
  'post',
  'put',
  'delete',
  'trace',
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'age',
  'allow',
  'authorization',
  'cache-control',
  'connection',
  'content-base',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expect',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'pragma',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'server',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'warning',
  'www-authenticate',
  'method',
  'get',
  'status',
  '200 OK',
  'version',
  'HTTP/1.1',
  'url',
  'public',
  'set-cookie',
  'keep-alive',
  'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritative ' +
  'Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal ' +
  'Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, ' +
  'Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,' +
  'text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY_DICTIONARY = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w)]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 1;

/** One stream the client opened. Events: 'data' (Buffer), 'end' (client half-closed), 'reset'. */
export class SpdyStream extends EventEmitter {
  private finished = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: Record<string, string>,
  ) {
    super();
  }

  write(data: Buffer): void {
    if (this.finished) return;
    for (let off = 0; off < data.length; off += 0xffff)
      this.session.dataFrame(this.id, data.subarray(off, off + 0xffff), false);
  }

  /** Half-close our side (DATA with FIN). */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.dataFrame(this.id, Buffer.alloc(0), true);
  }

  reset(): void {
    if (this.finished) return;
    this.finished = true;
    this.session.rst(this.id);
  }
}

/**
 * The server side of one SPDY connection. Feed it the client's bytes with `push`; it writes frames through `send`. Event
 * 'stream' (SpdyStream) for each SYN_STREAM (already answered), 'close' when the client goes away.
 */
export class SpdySession extends EventEmitter {
  private buf: Buffer = Buffer.alloc(0);
  private compressedIn: Buffer[] = [];
  private inflatedLength = 0;
  private headerOutStarted = false;
  private readonly streams = new Map<number, SpdyStream>();
  private closed = false;

  constructor(private readonly send: (frame: Buffer) => void) {
    super();
  }

  push(data: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) return;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      this.onFrame(frame);
    }
  }

  /** The client is gone: every stream is reset. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.emit('reset');
    this.streams.clear();
    this.emit('close');
  }

  dataFrame(id: number, data: Buffer, fin: boolean): void {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(id & 0x7fffffff, 0);
    head.writeUInt32BE((((fin ? FLAG_FIN : 0) << 24) | data.length) >>> 0, 4);
    if (!this.closed) this.send(Buffer.concat([head, data]));
  }

  rst(id: number, status = 5 /* CANCEL */): void {
    const body = Buffer.alloc(8);
    body.writeUInt32BE(id, 0);
    body.writeUInt32BE(status, 4);
    this.control(RST_STREAM, 0, body);
    this.streams.delete(id);
  }

  private control(type: number, flags: number, body: Buffer): void {
    const head = Buffer.alloc(8);
    head.writeUInt32BE((0x80000000 | (3 << 16) | type) >>> 0, 0);
    head.writeUInt32BE(((flags << 24) | body.length) >>> 0, 4);
    if (!this.closed) this.send(Buffer.concat([head, body]));
  }

  /**
   * A header block, "compressed" as a stored deflate block per frame in the single zlib stream of this direction (the
   * first one carries the zlib header naming the dictionary): what a zlib reader with the SPDY dictionary decodes.
   */
  private headerBlock(headers: Record<string, string>): Buffer {
    const parts: Buffer[] = [];
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const entries = Object.entries(headers);
    parts.push(u32(entries.length));
    for (const [k, v] of entries)
      parts.push(u32(Buffer.byteLength(k)), Buffer.from(k), u32(Buffer.byteLength(v)), Buffer.from(v));
    const raw = Buffer.concat(parts);
    const out: Buffer[] = [];
    if (!this.headerOutStarted) {
      this.headerOutStarted = true;
      const cmf = 0x78;
      let flg = 0x20 | 0x80;
      flg += 31 - ((cmf * 256 + flg) % 31);
      out.push(Buffer.from([cmf, flg]), u32(adler32(SPDY_DICTIONARY)));
    }
    const stored = Buffer.alloc(5);
    stored[0] = 0x00;
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    // An empty stored block after it (the sync-flush marker): a reader finds the block's end without reading past the frame.
    out.push(stored, raw, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(out);
  }

  /** Decode the client's next header block: its zlib stream so far, inflated up to a sync point, minus what came before. */
  private readHeaders(compressed: Buffer): Record<string, string> {
    this.compressedIn.push(compressed);
    const all = inflateSync(Buffer.concat(this.compressedIn), {
      dictionary: SPDY_DICTIONARY,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    const block = all.subarray(this.inflatedLength);
    this.inflatedLength = all.length;
    const headers: Record<string, string> = {};
    let off = 4;
    const count = block.readUInt32BE(0);
    for (let i = 0; i < count; i++) {
      const nl = block.readUInt32BE(off);
      const name = block.subarray(off + 4, off + 4 + nl).toString();
      off += 4 + nl;
      const vl = block.readUInt32BE(off);
      headers[name.toLowerCase()] = block
        .subarray(off + 4, off + 4 + vl)
        .toString()
        .split('\0')[0];
      off += 4 + vl;
    }
    return headers;
  }

  private onFrame(frame: Buffer): void {
    const first = frame.readUInt32BE(0);
    const flags = frame[4];
    const body = frame.subarray(8);
    if ((first & 0x80000000) === 0) {
      const s = this.streams.get(first & 0x7fffffff);
      if (!s) return;
      if (body.length) s.emit('data', Buffer.from(body));
      if (flags & FLAG_FIN) s.emit('end');
      return;
    }
    switch (first & 0xffff) {
      case SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = this.readHeaders(body.subarray(10));
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        const reply = Buffer.concat([Buffer.from([0, 0, 0, 0]), this.headerBlock({})]);
        reply.writeUInt32BE(id, 0);
        this.control(SYN_REPLY, 0, reply);
        this.emit('stream', s);
        if (flags & FLAG_FIN) s.emit('end');
        return;
      }
      case RST_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.emit('reset');
        this.streams.delete(id);
        return;
      }
      case PING:
        // Pings the client starts (odd ids) are echoed.
        this.control(PING, 0, Buffer.from(body));
        return;
      case GOAWAY:
        this.close();
        return;
      default:
      // SETTINGS, WINDOW_UPDATE, HEADERS: nothing a port-forward needs.
    }
  }
}
