// @google-cloud/storage judges the GCS fake: the calls the gcs state backend makes, as the
// library makes them (multipart and media uploads, downloads with their hash checked,
// generation preconditions, listing versions), with credentials found through ADC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsFake, startGcsFake } from './index.js';

let fake: GcsFake;
const saved = { ...process.env };
type StorageModule = typeof import('@google-cloud/storage');
let Storage: StorageModule['Storage'];

beforeAll(async () => {
  fake = await startGcsFake({ buckets: { 'gf-versioned': { versioning: true }, 'gf-plain': {} } });
  process.env.GOOGLE_APPLICATION_CREDENTIALS = fake.credentialsFile;
  process.env.GOOGLE_CLOUD_PROJECT = 'pctl-gcs-fake';
  delete process.env.STORAGE_EMULATOR_HOST;
  ({ Storage } = await import('@google-cloud/storage'));
});
afterAll(async () => {
  process.env = saved;
  await fake.stop();
});

const storage = () =>
  new Storage({ apiEndpoint: fake.endpoint, useAuthWithCustomEndpoint: true, retryOptions: { maxRetries: 1 } });
const status = async (p: Promise<unknown>) =>
  (
    (await p.then(
      () => undefined,
      (e: { code?: number }) => e,
    )) as { code?: number }
  )?.code;

describe('the GCS fake, as @google-cloud/storage sees it', () => {
  it('uploads (multipart and media), downloads with the hash checked, and honours ifGenerationMatch', async () => {
    const file = storage().bucket('gf-versioned').file('dir/state.json');
    await file.save('{"a":1}', {
      resumable: false,
      contentType: 'application/json',
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    const g1 = String(file.metadata.generation);
    expect(g1).toMatch(/^\d+$/);
    expect(fake.calls.find((c) => c.op === 'token')).toMatchObject({ status: 200 });
    // A second create-only write is refused with 412; a write at the old generation too.
    expect(await status(file.save('x', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }))).toBe(412);
    await file.save('{"a":2}', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(g1) } });
    const g2 = String(file.metadata.generation);
    expect(g2).not.toBe(g1);
    expect(
      await status(file.save('y', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(g1) } })),
    ).toBe(412);
    expect((await file.download())[0].toString()).toBe('{"a":2}');
    // An earlier generation, read by number; the live one's metadata.
    expect(
      (await storage().bucket('gf-versioned').file('dir/state.json', { generation: g1 }).download())[0].toString(),
    ).toBe('{"a":1}');
    const [meta] = await file.getMetadata();
    expect(meta).toMatchObject({ generation: g2, size: '7', contentType: 'application/json' });
    // Versions listed: both generations, the old one noncurrent.
    const [files] = await storage().bucket('gf-versioned').getFiles({ prefix: 'dir/state.json', versions: true });
    expect(files.map((f) => [f.metadata.generation, f.metadata.timeDeleted === undefined])).toEqual([
      [g1, false],
      [g2, true],
    ]);
    // Delete under a precondition: refused at the wrong generation, done at the right one.
    expect(await status(file.delete({ ifGenerationMatch: g1 }))).toBe(412);
    await file.delete({ ifGenerationMatch: g2 });
    expect(await status(file.download())).toBe(404);
    expect((await file.exists())[0]).toBe(false);
    // A media upload (uploadType=media), as the JSON API documents it, with curl-like fetch.
    const r = await fetch(
      `${fake.endpoint}/upload/storage/v1/b/gf-plain/o?uploadType=media&name=m.txt&ifGenerationMatch=0`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'text/plain' },
        body: 'media',
      },
    );
    expect(r.status).toBe(200);
    expect((await storage().bucket('gf-plain').file('m.txt').download())[0].toString()).toBe('media');
  });

  it('without versioning keeps only the live generation; answers 404 for a missing bucket and 401 without a token', async () => {
    const file = storage().bucket('gf-plain').file('p.json');
    await file.save('1', { resumable: false });
    await file.save('2', { resumable: false });
    const [files] = await storage().bucket('gf-plain').getFiles({ prefix: 'p.json', versions: true });
    expect(files).toHaveLength(1);
    const missing = await storage()
      .bucket('gf-no-such-bucket')
      .file('x')
      .download()
      .catch((e: { code?: number; message?: string }) => e);
    expect(missing).toMatchObject({
      code: 404,
      message: expect.stringContaining('The specified bucket does not exist.'),
    });
    const anon = await fetch(`${fake.endpoint}/storage/v1/b/gf-plain/o/p.json`);
    expect(anon.status).toBe(401);
  });
});
