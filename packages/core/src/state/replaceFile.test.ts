// pctl's own files beside the state (the build marker, build records, hash cache, the state
// backup's temp) are written through fresh temp files: a planted symlink is never followed.
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMarkerPath, markBuilding } from '../engine/buildMarker.js';
import { buildRecordsPath, saveBuildRecords } from '../engine/buildRecords.js';
import { HashCache, hashCachePath } from '../image/hashCache.js';
import { replaceFile, replaceFileSync } from './replaceFile.js';

let dir: string;
let victim: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-replace-'));
  victim = path.join(dir, 'victim.txt');
  writeFileSync(victim, 'precious\n', { mode: 0o600 });
  mkdirSync(path.join(dir, '.pctl'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const untouched = () => {
  expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  expect(statSync(victim).mode & 0o777).toBe(0o600);
};

describe('files pctl writes beside the state', () => {
  it('replaceFile and replaceFileSync replace a symlink at the name instead of writing its target', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    symlinkSync(victim, a);
    symlinkSync(victim, b);
    await replaceFile(a, 'new\n');
    replaceFileSync(b, 'new\n');
    untouched();
    for (const f of [a, b]) {
      expect(lstatSync(f).isFile()).toBe(true);
      expect(readFileSync(f, 'utf8')).toBe('new\n');
    }
  });

  it('the build marker planted as a symlink is replaced', () => {
    symlinkSync(victim, buildMarkerPath(dir, 's'));
    markBuilding(dir, 's');
    untouched();
    expect(lstatSync(buildMarkerPath(dir, 's')).isFile()).toBe(true);
  });

  it('build records ignore a symlink planted at the predictable temp name <file>.<pid>.tmp', async () => {
    symlinkSync(victim, `${buildRecordsPath(dir, 's')}.${process.pid}.tmp`);
    await saveBuildRecords(dir, 's', {});
    untouched();
    expect(JSON.parse(readFileSync(buildRecordsPath(dir, 's'), 'utf8'))).toEqual({});
  });

  it('the hash cache ignores a symlink planted at the predictable temp name', async () => {
    const file = hashCachePath(dir, 's');
    symlinkSync(victim, `${file}.${process.pid}.tmp`);
    const cache = await HashCache.load(file);
    cache.record(victim, statSync(victim), 'sha256:0');
    await cache.save();
    untouched();
    expect(lstatSync(file).isFile()).toBe(true);
  });
});
