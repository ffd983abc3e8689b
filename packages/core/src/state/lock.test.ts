import { mkdtempSync, rmSync, writeFileSync, existsSync, utimesSync, readFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, lockPath, unlockStack } from './lock.js';

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
    let sawWait: () => void = () => undefined;
    const waiting = new Promise<void>((r) => (sawWait = r));
    const second = acquireLock(stateFile, {
      wait: true,
      timeoutMs: 60_000,
      pollMs: 20,
      command: 'destroy',
      onWait: () => ((waited = true), sawWait()),
    });
    await waiting;
    await held.release();
    const lock = await second;
    expect(waited).toBe(true);
    await lock.release();
  });

  it('takes over a lock left by a dead process on this host', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(
      lockPath(stateFile),
      JSON.stringify({ pid, host: os.hostname(), command: 'deploy', startedAt: 'then' }),
    );
    const lock = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    await lock.release();
  });

  it('fails at once by default (no silent wait), and after --lock-timeout when waiting', async () => {
    const held = await acquireLock(stateFile, { wait: true, command: 'deploy' });
    await expect(acquireLock(stateFile, { wait: true, command: 'plan' })).rejects.toMatchObject({ code: 'LockHeld' });
    await expect(
      acquireLock(stateFile, { wait: true, timeoutMs: 50, pollMs: 10, command: 'plan' }),
    ).rejects.toMatchObject({ code: 'LockTimeout' });
    await held.release();
  });

  it.each([0, -1, -42, 1.5, '123', null])('takes over a lock whose pid is %j (no process can own it)', async (pid) => {
    writeFileSync(
      lockPath(stateFile),
      JSON.stringify({ pid, host: os.hostname(), command: 'deploy', startedAt: 'then' }),
    );
    const lock = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    expect(JSON.parse(readFileSync(lockPath(stateFile), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('refuses a lock that is a directory or a FIFO, naming it, without blocking', async () => {
    mkdirSync(lockPath(stateFile));
    await expect(acquireLock(stateFile, { wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockInvalid',
      message: expect.stringContaining('is a directory'),
    });
    rmSync(lockPath(stateFile), { recursive: true });
    execFileSync('mkfifo', [lockPath(stateFile)]);
    await expect(acquireLock(stateFile, { wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockInvalid',
      message: expect.stringContaining('is a FIFO'),
    });
    await expect(unlockStack(stateFile, { force: true })).rejects.toMatchObject({ code: 'LockInvalid' });
  });

  it('state unlock: removes a dead or foreign-host lock, refuses a live one without --force', async () => {
    await expect(unlockStack(stateFile, { force: false })).rejects.toMatchObject({ code: 'NotLocked' });
    const held = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    await expect(unlockStack(stateFile, { force: false })).rejects.toMatchObject({
      code: 'LockHeld',
      message: expect.stringContaining('still running'),
    });
    await unlockStack(stateFile, { force: true });
    expect(existsSync(lockPath(stateFile))).toBe(false);
    await held.release(); // not ours any more: a no-op
    writeFileSync(
      lockPath(stateFile),
      JSON.stringify({ pid: 4242, host: 'elsewhere', command: 'deploy', startedAt: 'then' }),
    );
    await expect(unlockStack(stateFile, { force: false })).rejects.toMatchObject({
      code: 'LockHeld',
      message: expect.stringContaining('another host (elsewhere)'),
    });
    const r = await unlockStack(stateFile, { force: true });
    expect(r.removed).toMatchObject({ owner: { host: 'elsewhere' } });
    expect(existsSync(lockPath(stateFile))).toBe(false);
  });

  it('does not take over a lock of another host, nor a fresh empty one', async () => {
    writeFileSync(
      lockPath(stateFile),
      JSON.stringify({ pid: 1, host: 'elsewhere', command: 'deploy', startedAt: 'now' }),
    );
    await expect(acquireLock(stateFile, { wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockHeld',
    });
    writeFileSync(lockPath(stateFile), '');
    await expect(acquireLock(stateFile, { wait: false, command: 'deploy' })).rejects.toMatchObject({
      code: 'LockHeld',
    });
    // An empty lock older than a few seconds is a torn write of a dead process.
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath(stateFile), old, old);
    const lock = await acquireLock(stateFile, { wait: false, command: 'deploy' });
    await lock.release();
  });
});
