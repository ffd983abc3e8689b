import {
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
  readdirSync,
  symlinkSync,
  lstatSync,
  chmodSync,
  mkdirSync,
  statSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStateFile, statePath, writeStateFile, backupPath } from './store.js';
import { StateStore } from './stateStore.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('state file', () => {
  it('reads a missing file as empty and the original pctl format as it is', async () => {
    const file = statePath(dir, 'my-app');
    expect(file).toBe(path.join(dir, 'pctl.my-app.json'));
    expect(await readStateFile(file)).toEqual({});
    const original = {
      'my-app-api': {
        provider: 'docker',
        host: 'local',
        image: 'pctl-local:1710000000000',
        labels: { 'managed-by': 'pctl', 'pctl-stack': 'my-app', 'pctl-service': 'my-app-api' },
        fingerprint: 'sha256...',
        replica: 2,
        hasPorts: true,
        pushedByPctl: true,
      },
    };
    writeFileSync(file, JSON.stringify(original));
    expect(await readStateFile(file)).toEqual(original);
  });

  it('refuses a corrupt or foreign file, naming it, and leaves it untouched', async () => {
    const file = statePath(dir, 's');
    writeFileSync(file, '{"s-api": {"provider": "docker"'); // torn
    await expect(readStateFile(file)).rejects.toMatchObject({
      code: 'StateCorrupt',
      message: expect.stringContaining(file),
    });
    expect(readFileSync(file, 'utf8')).toBe('{"s-api": {"provider": "docker"');
    writeFileSync(file, JSON.stringify({ version: 3, resources: [1, 2] }));
    await expect(readStateFile(file)).rejects.toMatchObject({ code: 'StateInvalid' });
    writeFileSync(file, '[]');
    await expect(readStateFile(file)).rejects.toMatchObject({ code: 'StateInvalid' });
  });

  it('writes atomically, keeps a backup of the previous state and leaves no temp files', async () => {
    const file = statePath(dir, 's');
    await writeStateFile(file, { 's-a': { provider: 'docker', fingerprint: '1' } });
    await writeStateFile(file, { 's-a': { provider: 'docker', fingerprint: '2' } });
    expect(JSON.parse(readFileSync(file, 'utf8'))['s-a'].fingerprint).toBe('2');
    expect(JSON.parse(readFileSync(backupPath(file), 'utf8'))['s-a'].fingerprint).toBe('1');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('serializes concurrent entry updates so none is lost', async () => {
    const file = statePath(dir, 's');
    const store = await StateStore.open(file);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.set(`s-${i}`, { provider: 'docker', fingerprint: String(i) })),
    );
    const onDisk = await readStateFile(file);
    expect(Object.keys(onDisk)).toHaveLength(50);
    await store.set('s-7', undefined);
    expect((await readStateFile(file))['s-7']).toBeUndefined();
    expect(existsSync(file)).toBe(true);
  });

  it('writes through a symlinked state file: the link stays a link, its target gets the state', async () => {
    const file = statePath(dir, 's');
    mkdirSync(path.join(dir, 'shared'));
    const target = path.join(dir, 'shared', 'real.json');
    writeFileSync(target, '{}');
    chmodSync(target, 0o640);
    symlinkSync('shared/real.json', file);
    const store = await StateStore.open(file);
    await store.set('s-a', { provider: 'docker', fingerprint: '1' });
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8'))['s-a'].fingerprint).toBe('1');
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(readdirSync(path.join(dir, 'shared')).sort()).toEqual(['real.json', 'real.json.bak']);
  });

  it('refuses a read-only state file before changing anything, naming it', async () => {
    const file = statePath(dir, 's');
    writeFileSync(file, '{}');
    chmodSync(file, 0o444);
    await expect(StateStore.open(file)).rejects.toMatchObject({
      code: 'StateReadOnly',
      message: expect.stringContaining(file),
    });
    await expect(writeStateFile(file, {})).rejects.toMatchObject({ code: 'StateReadOnly' });
    expect(readFileSync(file, 'utf8')).toBe('{}');
    // Reading it is fine (plan, status, state show).
    expect(await readStateFile(file)).toEqual({});
  });

  it('refuses a FIFO or a folder as the state file without blocking, and a huge one', async () => {
    const file = statePath(dir, 's');
    execFileSync('mkfifo', [file]);
    await expect(readStateFile(file)).rejects.toMatchObject({
      code: 'StateUnreadable',
      message: expect.stringContaining('FIFO'),
    });
    rmSync(file);
    mkdirSync(file);
    await expect(readStateFile(file)).rejects.toMatchObject({ code: 'StateUnreadable' });
    rmSync(file, { recursive: true });
    writeFileSync(file, Buffer.alloc(65 * 1024 * 1024, 0x20));
    await expect(readStateFile(file)).rejects.toMatchObject({
      code: 'StateUnreadable',
      message: expect.stringContaining('bytes'),
    });
  });
});
