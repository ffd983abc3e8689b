import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildRecord } from '../image/index.js';
import { classifyChange, isStackFileEvent, stackFilesSignature } from './devChanges.js';
import type { Pair } from './sync.js';

const record = (inputs: Record<string, string>, over: Partial<BuildRecord> = {}): BuildRecord => ({
  hash: JSON.stringify([inputs, over.dockerfileHash ?? 'd1', over.hash ?? '']),
  dockerfileHash: 'd1',
  inputs,
  ...over,
});
const src: Pair[] = [{ source: 'src', dest: '/app/src', file: false }];

describe('classifyChange', () => {
  it('syncs a change every path of which a COPY pair covers, deletions included', () => {
    const prev = record({ 'src/a.js': '1', 'src/b.js': '1', 'package.json': '1' });
    const next = record({ 'src/a.js': '2', 'src/c/d.js': '1', 'package.json': '1' });
    expect(classifyChange(prev, next, src)).toEqual({
      kind: 'sync',
      changed: ['src/a.js', 'src/c/d.js'],
      deleted: ['src/b.js'],
    });
  });

  it('redeploys for a file no pair covers, naming it', () => {
    const prev = record({ 'src/a.js': '1', 'package.json': '1' });
    const next = record({ 'src/a.js': '2', 'package.json': '2' });
    expect(classifyChange(prev, next, src)).toEqual({
      kind: 'deploy',
      why: 'package.json changed, and no COPY to an absolute folder covers it',
    });
    // `src` is a folder: `srcfoo` is not under it.
    expect(classifyChange(record({ srcfoo: '1' }), record({ srcfoo: '2' }), src).kind).toBe('deploy');
  });

  it('redeploys for the Dockerfile, a build argument, or when sync is off', () => {
    const prev = record({ 'src/a.js': '1' });
    expect(classifyChange(prev, record({ 'src/a.js': '1' }, { dockerfileHash: 'd2' }), src)).toEqual({
      kind: 'deploy',
      why: 'the Dockerfile changed',
    });
    expect(classifyChange(prev, record({ 'src/a.js': '1' }, { hash: 'args' }), src)).toEqual({
      kind: 'deploy',
      why: 'its build arguments changed',
    });
    expect(classifyChange(prev, record({ 'src/a.js': '2' }), undefined)).toEqual({
      kind: 'deploy',
      why: 'src/a.js changed',
    });
  });

  it('does nothing when the inputs are the same or the image is not built', () => {
    const r = record({ 'src/a.js': '1' });
    expect(classifyChange(r, { ...r }, src)).toEqual({ kind: 'none' });
    expect(classifyChange(undefined, undefined, undefined)).toEqual({ kind: 'none' });
    expect(classifyChange(undefined, r, src).kind).toBe('deploy');
  });

  it('covers a single-file pair by its exact path', () => {
    const file: Pair[] = [{ source: 'config.json', dest: '/etc/app.json', file: true }];
    expect(classifyChange(record({ 'config.json': '1' }), record({ 'config.json': '2' }), file)).toEqual({
      kind: 'sync',
      changed: ['config.json'],
      deleted: [],
    });
  });
});

describe('the stack files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-devchanges-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('change their signature when the stack file or a YAML file beside it changes, not the state file', async () => {
    const stackFile = path.join(dir, 'pctl.yaml');
    writeFileSync(stackFile, 'name: a\n');
    const first = await stackFilesSignature(stackFile);
    writeFileSync(path.join(dir, 'pctl.a.json'), '{}');
    expect(await stackFilesSignature(stackFile)).toBe(first);
    writeFileSync(path.join(dir, 'pctl.dev.yaml'), 'services: {}\n');
    const second = await stackFilesSignature(stackFile);
    expect(second).not.toBe(first);
    writeFileSync(stackFile, 'name: b\n');
    expect(await stackFilesSignature(stackFile)).not.toBe(second);
    expect(isStackFileEvent(stackFile, 'pctl.yaml')).toBe(true);
    expect(isStackFileEvent(stackFile, 'pctl.a.json.lock')).toBe(false);
  });
});
