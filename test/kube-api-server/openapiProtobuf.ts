// The Swagger 2.0 document as protobuf (gnostic's openapi.v2.Document), the only form client-go's OpenAPISchema() reads.
// Field numbers from github.com/google/gnostic-models openapiv2/OpenAPIv2.proto (proto3: zero values are left out).
import type { Schema } from './openapi.js';

/** Accept values for /openapi/v2 in protobuf: client-go sends the first (deprecated) one; both are answered with the second, as kube-openapi does. */
export const OPENAPI_V2_PROTOBUF_ACCEPTED = [
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
];
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

class Writer {
  private readonly parts: Buffer[] = [];

  private varint(n: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, n);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      bytes.push(b);
    } while (v);
    this.parts.push(Buffer.from(bytes));
  }

  private key(num: number, wire: number): void {
    this.varint(BigInt((num << 3) | wire));
  }

  string(num: number, s: unknown): this {
    if (typeof s !== 'string' || s === '') return this;
    return this.bytes(num, Buffer.from(s, 'utf8'));
  }

  strings(num: number, list: unknown): this {
    if (Array.isArray(list)) for (const s of list) this.string(num, String(s));
    return this;
  }

  bool(num: number, b: unknown): this {
    if (b !== true) return this;
    this.key(num, 0);
    this.varint(1n);
    return this;
  }

  int64(num: number, n: unknown): this {
    if (typeof n !== 'number' || n === 0) return this;
    this.key(num, 0);
    this.varint(BigInt(Math.trunc(n)));
    return this;
  }

  double(num: number, n: unknown): this {
    if (typeof n !== 'number' || n === 0) return this;
    this.key(num, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.parts.push(b);
    return this;
  }

  bytes(num: number, b: Buffer): this {
    this.key(num, 2);
    this.varint(BigInt(b.length));
    this.parts.push(b);
    return this;
  }

  /** An embedded message, written even when empty (its presence can matter, as for a oneof). */
  message(num: number, w: Writer | undefined): this {
    return w ? this.bytes(num, w.done()) : this;
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const w = (): Writer => new Writer();

/** An Any: gnostic keeps values and extensions as YAML text (JSON is YAML). */
const anyOf = (v: unknown): Writer => w().string(2, JSON.stringify(v));

function vendorExtensions(writer: Writer, num: number, obj: Schema): void {
  for (const [k, v] of Object.entries(obj))
    if (k.startsWith('x-')) writer.message(num, w().string(1, k).message(2, anyOf(v)));
}

function schema(s: Schema): Writer {
  const out = w().string(1, s.$ref).string(2, s.format).string(3, s.title).string(4, s.description);
  if (s.default !== undefined) out.message(5, anyOf(s.default));
  out
    .double(6, s.multipleOf)
    .double(7, s.maximum)
    .bool(8, s.exclusiveMaximum)
    .double(9, s.minimum)
    .bool(10, s.exclusiveMinimum)
    .int64(11, s.maxLength)
    .int64(12, s.minLength)
    .string(13, s.pattern)
    .int64(14, s.maxItems)
    .int64(15, s.minItems)
    .bool(16, s.uniqueItems)
    .int64(17, s.maxProperties)
    .int64(18, s.minProperties)
    .strings(19, s.required);
  for (const e of (s.enum as unknown[] | undefined) ?? []) out.message(20, anyOf(e));
  if (typeof s.additionalProperties === 'boolean') out.message(21, w().bool(2, s.additionalProperties));
  else if (s.additionalProperties) out.message(21, w().message(1, schema(s.additionalProperties as Schema)));
  if (s.type !== undefined) out.message(22, w().strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  if (s.items) out.message(23, w().message(1, schema(s.items as Schema)));
  for (const a of (s.allOf as Schema[] | undefined) ?? []) out.message(24, schema(a));
  if (s.properties) {
    const props = w();
    for (const [name, p] of Object.entries(s.properties as Record<string, Schema>))
      props.message(1, w().string(1, name).message(2, schema(p)));
    out.message(25, props);
  }
  out.bool(27, s.readOnly);
  vendorExtensions(out, 31, s);
  return out;
}

function parameter(p: Schema): Writer {
  if (p.in === 'body') {
    return w().message(
      1,
      w().message(
        1,
        w()
          .string(1, p.description)
          .string(2, p.name)
          .string(3, p.in)
          .bool(4, p.required)
          .message(5, schema(p.schema as Schema)),
      ),
    );
  }
  const sub =
    p.in === 'path'
      ? w()
          .bool(1, p.required)
          .string(2, p.in)
          .string(3, p.description)
          .string(4, p.name)
          .string(5, p.type)
          .bool(19, p.uniqueItems)
      : w()
          .bool(1, p.required)
          .string(2, p.in)
          .string(3, p.description)
          .string(4, p.name)
          .string(6, p.type)
          .bool(20, p.uniqueItems);
  return w().message(1, w().message(2, w().message(p.in === 'path' ? 4 : 3, sub)));
}

function operation(o: Schema): Writer {
  const out = w()
    .strings(1, o.tags)
    .string(3, o.description)
    .string(5, o.operationId)
    .strings(6, o.produces)
    .strings(7, o.consumes);
  for (const p of (o.parameters as Schema[] | undefined) ?? []) out.message(8, parameter(p));
  const responses = w();
  for (const [code, r] of Object.entries((o.responses as Record<string, Schema> | undefined) ?? {})) {
    const response = w().string(1, r.description);
    if (r.schema) response.message(2, w().message(1, schema(r.schema as Schema)));
    responses.message(1, w().string(1, code).message(2, w().message(1, response)));
  }
  out.message(9, responses).strings(10, o.schemes);
  vendorExtensions(out, 13, o);
  return out;
}

const methods: [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

/** Encode a Swagger 2.0 document (as openApiV2() builds it) to gnostic's protobuf form. */
export function encodeOpenApiV2(doc: Schema): Buffer {
  const info = doc.info as Schema;
  const out = w().string(1, doc.swagger).message(2, w().string(1, info.title).string(2, info.version));
  const paths = w();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    const pi = w();
    for (const [m, num] of methods) if (item[m]) pi.message(num, operation(item[m] as Schema));
    for (const p of (item.parameters as Schema[] | undefined) ?? []) pi.message(9, parameter(p));
    paths.message(2, w().string(1, path).message(2, pi));
  }
  out.message(8, paths);
  const defs = w();
  for (const [name, d] of Object.entries(doc.definitions as Record<string, Schema>))
    defs.message(1, w().string(1, name).message(2, schema(d)));
  out.message(9, defs);
  for (const req of (doc.security as Record<string, string[]>[] | undefined) ?? []) {
    const sr = w();
    for (const [name, scopes] of Object.entries(req))
      sr.message(1, w().string(1, name).message(2, w().strings(1, scopes)));
    out.message(12, sr);
  }
  const secDefs = w();
  for (const [name, d] of Object.entries((doc.securityDefinitions as Record<string, Schema> | undefined) ?? {})) {
    secDefs.message(
      1,
      w()
        .string(1, name)
        .message(2, w().message(2, w().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description))),
    );
  }
  out.message(13, secDefs);
  return out.done();
}
