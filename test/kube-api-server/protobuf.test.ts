import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import { decodeKubernetesProtobuf } from './protobuf.js';

// k8s.io/api's own serialization fixtures for v1.32 (testdata/HEAD at v0.32.0): each .pb must decode to its .json.
const fixtures = new URL('./testdata/protobuf/', import.meta.url);
const names = readdirSync(fixtures)
  .filter((f) => f.endsWith('.pb'))
  .map((f) => f.slice(0, -3));

describe('protobuf request bodies', () => {
  it.each(names)('%s decodes to the JSON the real serializer writes', (name) => {
    const pb = readFileSync(new URL(`${name}.pb`, fixtures));
    const json = JSON.parse(readFileSync(new URL(`${name}.json`, fixtures), 'utf8')) as Record<string, unknown>;
    expect(decodeKubernetesProtobuf(pb, String(json.kind))).toEqual(json);
  });

  it('leaves out the zero values Go writes into protobuf but omits from JSON (the body of kubectl create serviceaccount sa)', () => {
    const kubectlBody = Buffer.from([
      0x6b, 0x38, 0x73, 0x00, 0x0a, 0x14, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x0e, 0x53, 0x65, 0x72, 0x76, 0x69, 0x63, 0x65,
      0x41, 0x63, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x12, 0x14, 0x0a, 0x12, 0x0a, 0x02, 0x73, 0x61, 0x12, 0x00, 0x1a, 0x00,
      0x22, 0x00, 0x2a, 0x00, 0x32, 0x00, 0x38, 0x00, 0x42, 0x00, 0x1a, 0x00, 0x22, 0x00,
    ]);
    expect(decodeKubernetesProtobuf(kubectlBody, 'ServiceAccount')).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sa' },
    });
  });

  it('refuses a body without the k8s magic as the real server does', () => {
    let err: unknown;
    try {
      decodeKubernetesProtobuf(Buffer.from('{"kind":"Namespace"}'), 'Namespace');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toMatch(
      /^the object provided is unrecognized \(must be of type Namespace\): provided data does not appear to be a protobuf message, expected prefix \[107 56 115 0\]/,
    );
  });

  it('refuses a truncated body and a field number it does not know instead of dropping it', () => {
    const pb = readFileSync(new URL('core.v1.Namespace.pb', fixtures));
    expect(() => decodeKubernetesProtobuf(pb.subarray(0, pb.length - 5), 'Namespace')).toThrow(/unexpected EOF/);
    // Append field 99 (varint) to the envelope's raw message: re-encode raw with an extra field.
    const extra = Buffer.concat([pb, Buffer.from([0x98, 0x06, 0x01])]);
    expect(() => decodeKubernetesProtobuf(extra, 'Namespace')).toThrow(/unknown field number 99 in Unknown/);
  });
});
