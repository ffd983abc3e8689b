// A minimal protobuf wire-format reader and writer: enough for BuildKit's status messages
// and the session's small requests and replies (varints, length-delimited fields, fixed
// widths skipped). Field meaning lives with each message's decoder.

export type WireValue =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 2; value: Buffer }
  | { field: number; wire: 1 | 5; value: Buffer };

// Every field of one message, in order (repeated fields appear once per value).
export function readFields(buf: Buffer): WireValue[] {
  const out: WireValue[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('protobuf: varint too long');
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('protobuf: truncated field');
      out.push({ field, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const len = wire === 1 ? 8 : 4;
      if (pos + len > buf.length) throw new Error('protobuf: truncated field');
      out.push({ field, wire, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

// The fields of a message grouped by number: strings, bytes, numbers and sub-messages read from them.
export class Message {
  private readonly byField = new Map<number, WireValue[]>();
  constructor(buf: Buffer) {
    for (const f of readFields(buf)) {
      const list = this.byField.get(f.field);
      if (list) list.push(f);
      else this.byField.set(f.field, [f]);
    }
  }
  private last(field: number): WireValue | undefined {
    return this.byField.get(field)?.at(-1);
  }
  bytes(field: number): Buffer | undefined {
    const f = this.last(field);
    return f?.wire === 2 ? f.value : undefined;
  }
  string(field: number): string {
    return this.bytes(field)?.toString('utf8') ?? '';
  }
  number(field: number): number {
    const f = this.last(field);
    return f?.wire === 0 ? Number(BigInt.asIntN(64, f.value)) : 0;
  }
  bool(field: number): boolean {
    return this.number(field) !== 0;
  }
  all(field: number): Buffer[] {
    return (this.byField.get(field) ?? []).flatMap((f) => (f.wire === 2 ? [f.value] : []));
  }
  message(field: number): Message | undefined {
    const b = this.bytes(field);
    return b ? new Message(b) : undefined;
  }
}

function varintBytes(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

// Builds a message field by field (proto3: empty values are left out by the caller).
export class Writer {
  private readonly parts: Buffer[] = [];
  bytes(field: number, value: Buffer | string): this {
    const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.parts.push(Buffer.from([...varintBytes(BigInt((field << 3) | 2)), ...varintBytes(BigInt(b.length))]), b);
    return this;
  }
  varint(field: number, value: number | bigint | boolean): this {
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
    this.parts.push(Buffer.from([...varintBytes(BigInt(field << 3)), ...varintBytes(n)]));
    return this;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
