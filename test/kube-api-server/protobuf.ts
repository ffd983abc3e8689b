// Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) decoded to the JSON the server stores:
// the `k8s\0` magic, a runtime.Unknown envelope, and its raw bytes decoded with the message tables of
// data/protobuf-messages.json (generated from k8s.io/api's generated.proto; see data/README.md).
import { readFileSync } from 'node:fs';
import { badRequest } from './errors.js';

/** [field number, JSON name, type (scalar, message name, or [key, value] for a map), flags: r repeated, m map, i inline, o omitempty]. */
type FieldSpec = [number, string, string | [string, string], string];

const messages = JSON.parse(readFileSync(new URL('./data/protobuf-messages.json', import.meta.url), 'utf8')) as Record<
  string,
  FieldSpec[]
>;
const byNumber = new Map<string, Map<number, FieldSpec>>(
  Object.entries(messages).map(([name, fields]) => [name, new Map(fields.map((f) => [f[0], f]))]),
);

const omitEmptyFields = new Map<string, Set<string>>(
  Object.entries(messages).map(([name, fields]) => [
    name,
    new Set(fields.filter((f) => f[3].includes('o')).map((f) => f[1])),
  ]),
);

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** A malformed body, reported the way the real server's protobuf serializer words it. */
class WireError extends Error {}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    readonly end = buf.length,
  ) {}

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new WireError('unexpected EOF');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new WireError('integer overflow');
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (len < 0 || this.pos + len > this.end) throw new WireError('unexpected EOF');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  fixed(n: 4 | 8): Buffer {
    if (this.pos + n > this.end) throw new WireError('unexpected EOF');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const signed64 = (v: bigint): number => Number(BigInt.asIntN(64, v));

/** One scalar of a protobuf type from the reader, given its wire type. */
function scalar(type: string, wire: number, r: Reader): unknown {
  switch (type) {
    case 'string':
      expectWire(wire, 2, type);
      return r.bytes().toString('utf8');
    case 'bytes':
      expectWire(wire, 2, type);
      return Buffer.from(r.bytes()).toString('base64');
    case 'bool':
      expectWire(wire, 0, type);
      return r.varint() !== 0n;
    case 'int32':
      expectWire(wire, 0, type);
      return Number(BigInt.asIntN(32, r.varint()));
    case 'int64':
    case 'uint32':
    case 'uint64':
      expectWire(wire, 0, type);
      return signed64(r.varint());
    case 'double':
      expectWire(wire, 1, type);
      return r.fixed(8).readDoubleLE(0);
    case 'float':
      expectWire(wire, 5, type);
      return r.fixed(4).readFloatLE(0);
    default:
      throw new WireError(`unsupported scalar type ${type}`);
  }
}

function expectWire(got: number, want: number, type: string): void {
  if (got !== want) throw new WireError(`wrong wireType = ${got} for field of type ${type}`);
}

function skip(wire: number, r: Reader): void {
  if (wire === 0) r.varint();
  else if (wire === 1) r.fixed(8);
  else if (wire === 2) r.bytes();
  else if (wire === 5) r.fixed(4);
  else throw new WireError(`illegal wireType ${wire}`);
}

function rfc3339(seconds: number, fraction?: string): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, fraction !== undefined ? `.${fraction}Z` : 'Z');
}

/** Messages whose JSON form is not an object (times, quantities, int-or-string, raw JSON). */
function special(name: string, value: Record<string, unknown>): { json: unknown; zero: boolean } | undefined {
  switch (name) {
    case `${META}.Time`: {
      const s = Number(value.seconds ?? 0);
      return { json: s === 0 && !value.nanos ? null : rfc3339(s), zero: s === 0 && !value.nanos };
    }
    case `${META}.MicroTime`: {
      const s = Number(value.seconds ?? 0);
      const micros = String(Math.floor(Number(value.nanos ?? 0) / 1000)).padStart(6, '0');
      return { json: s === 0 && !value.nanos ? null : rfc3339(s, micros), zero: s === 0 && !value.nanos };
    }
    case `${META}.Duration`: {
      const ns = Number(value.duration ?? 0);
      return { json: `${ns / 1e9}s`, zero: ns === 0 };
    }
    case 'k8s.io.apimachinery.pkg.api.resource.Quantity':
      return { json: value.string ?? '0', zero: !value.string };
    case 'k8s.io.apimachinery.pkg.util.intstr.IntOrString': {
      const isString = Number(value.type ?? 0) === 1;
      const json = isString ? (value.strVal ?? '') : Number(value.intVal ?? 0);
      return { json, zero: json === 0 || json === '' };
    }
    case 'k8s.io.apimachinery.pkg.runtime.RawExtension':
    case `${META}.FieldsV1`: {
      const raw = (value.raw ?? value.Raw) as string | undefined;
      if (!raw) return { json: null, zero: true };
      try {
        return { json: JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as unknown, zero: false };
      } catch {
        throw new WireError(`${name.split('.').pop()} does not hold JSON`);
      }
    }
    default:
      return undefined;
  }
}

const isZero = (v: unknown): boolean => v === '' || v === 0 || v === false || v === null || v === undefined;

/** Decode one message by its table; fields appear under their JSON names, zero omitempty values left out as Go's encoder does. */
function decodeMessage(name: string, r: Reader): Record<string, unknown> {
  const fields = byNumber.get(name);
  if (!fields) throw new WireError(`no protobuf message ${name}`);
  const out: Record<string, unknown> = {};
  const flat: Record<string, unknown> = {};
  while (!r.done()) {
    const key = r.varint();
    const num = Number(key >> 3n);
    const wire = Number(key & 7n);
    const f = fields.get(num);
    // A field this table does not know would be lost; say so instead of dropping it.
    if (!f) throw new WireError(`unknown field number ${num} in ${name.split('.').pop()}`);
    const [, jsonName, type, flags] = f;
    if (flags.includes('m')) {
      const [kt, vt] = type as [string, string];
      const er = new Reader(r.bytes());
      let k: unknown = '';
      let v: unknown = messages[vt] ? decodeValue(vt, new Reader(Buffer.alloc(0))) : scalarZero(vt);
      while (!er.done()) {
        const ek = er.varint();
        const en = Number(ek >> 3n);
        const ew = Number(ek & 7n);
        if (en === 1) k = scalar(kt, ew, er);
        else if (en === 2)
          v = messages[vt] ? (expectWire(ew, 2, vt), decodeValue(vt, new Reader(er.bytes()))) : scalar(vt, ew, er);
        else skip(ew, er);
      }
      ((flat[jsonName] ??= {}) as Record<string, unknown>)[String(k)] = v;
      continue;
    }
    const t = type as string;
    let values: unknown[];
    if (messages[t]) {
      expectWire(wire, 2, t);
      values = [decodeValue(t, new Reader(r.bytes()))];
    } else if (wire === 2 && t !== 'string' && t !== 'bytes') {
      // A packed repeated scalar.
      const pr = new Reader(r.bytes());
      values = [];
      while (!pr.done()) values.push(scalar(t, t === 'double' ? 1 : t === 'float' ? 5 : 0, pr));
    } else {
      values = [scalar(t, wire, r)];
    }
    if (flags.includes('r')) ((flat[jsonName] ??= []) as unknown[]).push(...values);
    else if (flags.includes('i')) Object.assign(out, values[0] as Record<string, unknown>);
    else flat[jsonName] = values[values.length - 1];
  }
  for (const [jsonName, value] of Object.entries(flat)) {
    const omitEmpty = omitEmptyFields.get(name)?.has(jsonName) ?? false;
    const zero = value instanceof ZeroMarked ? value.zero : isZero(value);
    const json = value instanceof ZeroMarked ? value.json : value;
    if (omitEmpty && zero) continue;
    if (json === null) continue;
    out[jsonName] = json;
  }
  return out;
}

/** A special message's JSON with whether it is the zero value (omitempty drops it). */
class ZeroMarked {
  constructor(
    readonly json: unknown,
    readonly zero: boolean,
  ) {}
}

function decodeValue(name: string, r: Reader): unknown {
  const plain = decodeMessage(name, r);
  const s = special(name, plain);
  return s ? new ZeroMarked(s.json, s.zero) : plain;
}

function scalarZero(type: string): unknown {
  return type === 'string' ? '' : type === 'bytes' ? '' : type === 'bool' ? false : 0;
}

/** Unwrap ZeroMarked values left inside arrays and maps. */
function plain(v: unknown): unknown {
  if (v instanceof ZeroMarked) return v.json;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** The protobuf package of a group version's types, e.g. apps/v1 -> k8s.io.api.apps.v1. */
function messageFor(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions') return `${META}.DeleteOptions`;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg =
    ({ '': 'core', 'rbac.authorization.k8s.io': 'rbac' } as Record<string, string>)[group] ??
    group.replace(/\.k8s\.io$/, '');
  const name = `k8s.io.api.${pkg}.${version}.${kind}`;
  return messages[name] ? name : undefined;
}

/** Decode a `k8s\0` + runtime.Unknown body into the object it carries, as JSON with apiVersion and kind. */
export function decodeKubernetesProtobuf(body: Buffer, expectedKind: string): Record<string, unknown> {
  const unrecognized = (why: string): Error =>
    badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): ${why} (${summary(body)})`);
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw unrecognized(
      `provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`,
    );
  }
  try {
    const envelope = plain(
      decodeMessage('k8s.io.apimachinery.pkg.runtime.Unknown', new Reader(body.subarray(MAGIC.length))),
    ) as {
      typeMeta?: { apiVersion?: string; kind?: string };
      raw?: string;
      contentEncoding?: string;
      contentType?: string;
    };
    const apiVersion = envelope.typeMeta?.apiVersion ?? '';
    const kind = envelope.typeMeta?.kind ?? '';
    if (envelope.contentEncoding) throw new WireError(`content encoding ${envelope.contentEncoding} is not supported`);
    const name = messageFor(apiVersion, kind);
    if (!name) throw new WireError(`no kind "${kind}" is registered for version "${apiVersion}"`);
    const object = plain(decodeMessage(name, new Reader(Buffer.from(envelope.raw ?? '', 'base64')))) as Record<
      string,
      unknown
    >;
    return { apiVersion, kind, ...object };
  } catch (e) {
    if (e instanceof WireError) throw unrecognized(e.message);
    throw e;
  }
}

/** The first bytes of a body, as the real server quotes them in decoding errors. */
function summary(body: Buffer): string {
  const text = body
    .subarray(0, 64)
    .toString('utf8')
    .replace(/[^\x20-\x7e]/g, '.');
  return body.length > 64 ? `${text}...` : text;
}
