import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { leftUnchanged, PctlError } from '../errors.js';
import { StateStore } from '../state/stateStore.js';
import { deployKeepingEntry } from './keepEntry.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// A store whose entry `s-web` is the intent core writes before the provider deploys.
async function storeWithIntent() {
  const dir = mkdtempSync(path.join(tmpdir(), 'pctl-keep-'));
  dirs.push(dir);
  const file = path.join(dir, 'pctl.s.json');
  const store = await StateStore.open(file);
  const previous = { provider: 'docker', image: 'pctl-s-web:aaa', fingerprint: 'f1' };
  await store.set('s-web', { ...previous, pending: true });
  const onDisk = () => JSON.parse(readFileSync(file, 'utf8'))['s-web'];
  return { store, previous, onDisk };
}

describe('a deploy that failed leaving the service as it was', () => {
  it('writes the previous entry back (not pending) and rethrows the error', async () => {
    const { store, previous, onDisk } = await storeWithIntent();
    const failure = leftUnchanged(new PctlError({ code: 'ContainerTimeout', message: 's-web: exited with code 3' }));
    await expect(deployKeepingEntry(store, 's-web', previous, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(onDisk()).toMatchObject(previous);
    expect(onDisk().pending).toBeUndefined();
  });

  it('keeps the intent (pending) for any other failure, and for a first deploy', async () => {
    const { store, previous, onDisk } = await storeWithIntent();
    const plain = new PctlError({ code: 'ContainerTimeout', message: 'half replaced' });
    await expect(deployKeepingEntry(store, 's-web', previous, () => Promise.reject(plain))).rejects.toBe(plain);
    expect(onDisk().pending).toBe(true);
    const unchanged = leftUnchanged(plain);
    await expect(deployKeepingEntry(store, 's-web', undefined, () => Promise.reject(unchanged))).rejects.toBe(
      unchanged,
    );
    expect(onDisk().pending).toBe(true);
    await expect(
      deployKeepingEntry(store, 's-web', { ...previous, destroyed: true }, () => Promise.reject(unchanged)),
    ).rejects.toBe(unchanged);
    expect(onDisk().pending).toBe(true);
  });

  it('knows the mark on an error of another copy of the module, and keeps code, message and hint', async () => {
    const { store, previous, onDisk } = await storeWithIntent();
    const foreign = Object.assign(new Error('their gate failed'), {
      name: 'PctlError',
      code: 'Theirs',
      unchanged: true,
    });
    await expect(deployKeepingEntry(store, 's-web', previous, () => Promise.reject(foreign))).rejects.toBe(foreign);
    expect(onDisk().pending).toBeUndefined();
    const marked = leftUnchanged(new PctlError({ code: 'ContainerTimeout', message: 'm', hint: 'h', exitCode: 1 }));
    expect(marked).toMatchObject({ code: 'ContainerTimeout', message: 'm', hint: 'h', exitCode: 1, unchanged: true });
    expect(new PctlError({ code: 'ContainerTimeout', message: 'm' }).unchanged).toBe(false);
  });
});
