import { mkdtempSync, rmSync, writeFileSync, existsSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, lockPath } from './lock.js';

let dir: string;
let stateFile: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-lock-'));
  stateFile = path.join(dir, 'pctl.s.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('stack lock', () => {
  it('is exclusive: a second taker fails with --no-wait, naming the holder', async () => {
    const held = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    await expect(acquireLock(stateFile, { wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockHeld',
      message: expect.stringContaining(`pid ${process.pid} on ${os.hostname()} (deploy`),
    });
    await held.release();
    expect(existsSync(lockPath(stateFile))).toBe(false);
    const again = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    await again.release();
  });

  it('waits for a held lock and gets it when released', async () => {
    const held = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    let waited = false;
    const second = acquireLock(stateFile, { wait: true, pollMs: 20, command: 'destroy', onWait: () => (waited = true) });
    await new Promise((r) => setTimeout(r, 100));
    await held.release();
    const lock = await second;
    expect(waited).toBe(true);
    await lock.release();
  });

  it('takes over a lock left by a dead process on this host', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(lockPath(stateFile), JSON.stringify({ pid, host: os.hostname(), command: 'deploy', startedAt: 'then' }));
    const lock = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    await lock.release();
  });

  it('does not take over a lock of another host, nor a fresh empty one', async () => {
    writeFileSync(lockPath(stateFile), JSON.stringify({ pid: 1, host: 'elsewhere', command: 'deploy', startedAt: 'now' }));
    await expect(acquireLock(stateFile, { wait: false, command: 'deploy' })).rejects.toMatchObject({ code: 'LockHeld' });
    writeFileSync(lockPath(stateFile), '');
    await expect(acquireLock(stateFile, { wait: false, command: 'deploy' })).rejects.toMatchObject({ code: 'LockHeld' });
    // An empty lock older than a few seconds is a torn write of a dead process.
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath(stateFile), old, old);
    const lock = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    await lock.release();
  });
});
