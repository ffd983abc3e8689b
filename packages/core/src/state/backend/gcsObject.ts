// The three object calls the gcs backend makes, each under a generation precondition:
// read an object with the generation it was read at (one GET: the body and its
// x-goog-generation together), create or replace it, delete it.
import type { File } from '@google-cloud/storage';
import { gcsFor, objectMissing, preconditionFailed, type GcsCfg } from './gcsClient.js';

/** An object as read: its text and generation (undefined: it does not exist). */
export interface ReadObject {
  text: string;
  generation: string;
}

export async function fileOf(cfg: GcsCfg, name: string, generation?: string): Promise<File> {
  return (await gcsFor(cfg)).bucket(cfg.bucket).file(name, generation ? { generation } : {});
}

// The object's body and the generation it is at, in one request.
export async function readObject(cfg: GcsCfg, name: string, generation?: string): Promise<ReadObject | undefined> {
  const file = await fileOf(cfg, name, generation);
  try {
    return await new Promise<ReadObject>((resolve, reject) => {
      const parts: Buffer[] = [];
      let gen = generation ?? '';
      file
        .createReadStream({ validation: 'crc32c' })
        .on('response', (res: { headers?: Record<string, string | string[] | undefined> }) => {
          const h = res.headers?.['x-goog-generation'];
          if (h) gen = String(h);
        })
        .on('data', (d: Buffer) => parts.push(d))
        .on('error', reject)
        .on('end', () => resolve({ text: Buffer.concat(parts).toString('utf8'), generation: gen }));
    });
  } catch (e) {
    if (objectMissing(e)) return undefined;
    throw e;
  }
}

// Writes the object if its live generation is `ifGeneration` ('0': it must not exist); its new
// generation, or undefined when the precondition did not hold.
export async function writeObject(
  cfg: GcsCfg,
  name: string,
  body: string,
  ifGeneration: string,
): Promise<string | undefined> {
  const file = await fileOf(cfg, name);
  try {
    await file.save(body, {
      resumable: false,
      contentType: 'application/json',
      validation: 'crc32c',
      preconditionOpts: { ifGenerationMatch: Number(ifGeneration) },
    });
  } catch (e) {
    if (preconditionFailed(e) || (ifGeneration !== '0' && objectMissing(e))) return undefined;
    throw e;
  }
  return String(file.metadata.generation);
}

// Deletes the live object if it is at `generation` (any, when undefined); false when it changed or is gone.
export async function deleteObject(cfg: GcsCfg, name: string, generation?: string): Promise<boolean> {
  const file = await fileOf(cfg, name);
  try {
    await file.delete(generation ? { ifGenerationMatch: generation } : {});
    return true;
  } catch (e) {
    if (preconditionFailed(e) || objectMissing(e)) return false;
    throw e;
  }
}
