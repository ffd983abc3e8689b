// The buckets of the GCS fake: every object a list of generations (the live one last),
// as Cloud Storage keeps them. With versioning on, a replaced or deleted live object stays
// as a noncurrent generation (its timeDeleted set); without it, it is gone.
import { createHash } from 'node:crypto';

export interface Generation {
  generation: string;
  body: Buffer;
  contentType: string;
  created: number;
  /** Set when the generation stopped being the live one (versioning on). */
  deleted?: number;
}

export interface FakeBucket {
  name: string;
  versioning: boolean;
  objects: Map<string, Generation[]>;
}

let counter = 0;
// Generations grow with time, like Cloud Storage's (microseconds since the epoch).
export function nextGeneration(): string {
  return String(Date.now() * 1000 + (counter++ % 1000));
}

/** The live generation of an object, if there is one. */
export function live(bucket: FakeBucket, name: string): Generation | undefined {
  const g = bucket.objects.get(name)?.at(-1);
  return g && g.deleted === undefined ? g : undefined;
}

/** Makes `body` the live generation of `name` (the previous one kept only with versioning). */
export function putGeneration(
  bucket: FakeBucket,
  name: string,
  body: Buffer,
  contentType = 'application/octet-stream',
): Generation {
  const list = bucket.objects.get(name) ?? [];
  const now = Date.now();
  const prev = list.at(-1);
  if (prev && prev.deleted === undefined) {
    if (bucket.versioning) prev.deleted = now;
    else list.pop();
  }
  const g: Generation = { generation: nextGeneration(), body, contentType, created: now };
  list.push(g);
  bucket.objects.set(name, list);
  return g;
}

/** Removes the live generation (kept as noncurrent with versioning), or one given generation for good. */
export function removeGeneration(bucket: FakeBucket, name: string, generation?: string): boolean {
  const list = bucket.objects.get(name);
  if (!list) return false;
  if (generation !== undefined) {
    const i = list.findIndex((g) => g.generation === generation);
    if (i < 0) return false;
    list.splice(i, 1);
  } else {
    const g = list.at(-1);
    if (!g || g.deleted !== undefined) return false;
    if (bucket.versioning) g.deleted = Date.now();
    else list.pop();
  }
  if (list.length === 0) bucket.objects.delete(name);
  return true;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C (Castagnoli), big-endian, base64: the `crc32c` field and `x-goog-hash` value. */
export function crc32c(body: Buffer): string {
  let c = 0xffffffff;
  for (const b of body) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

export const md5 = (body: Buffer) => createHash('md5').update(body).digest('base64');

/** The JSON API's object resource for one generation. */
export function resourceOf(bucket: FakeBucket, name: string, g: Generation, base: string) {
  const id = encodeURIComponent(name);
  return {
    kind: 'storage#object',
    id: `${bucket.name}/${name}/${g.generation}`,
    selfLink: `${base}/storage/v1/b/${bucket.name}/o/${id}`,
    mediaLink: `${base}/download/storage/v1/b/${bucket.name}/o/${id}?generation=${g.generation}&alt=media`,
    name,
    bucket: bucket.name,
    generation: g.generation,
    metageneration: '1',
    contentType: g.contentType,
    storageClass: 'STANDARD',
    size: String(g.body.length),
    md5Hash: md5(g.body),
    crc32c: crc32c(g.body),
    etag: Buffer.from(g.generation).toString('base64'),
    timeCreated: new Date(g.created).toISOString(),
    updated: new Date(g.created).toISOString(),
    ...(g.deleted !== undefined ? { timeDeleted: new Date(g.deleted).toISOString() } : {}),
  };
}
