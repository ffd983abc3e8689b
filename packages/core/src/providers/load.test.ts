// Provider names resolve in core against the table of built-ins the caller passes in.
import { describe, expect, it } from 'vitest';
import type { LoadedStack } from '../config/index.js';
import { PROVIDER_API_VERSION } from '../contract.js';
import { loadProvider } from './load.js';

const stack = {
  config: { name: 's', services: {} },
  configPath: '/nowhere/pctl.yaml',
  configDir: '/nowhere',
  secrets: [],
  secretValues: [],
} as unknown as LoadedStack;
const provider = {
  apiVersion: PROVIDER_API_VERSION,
  name: 'mine',
  deploy: async () => ({}),
  destroy: async () => undefined,
};

describe('loadProvider', () => {
  it('loads a built-in from the table it is given, only when asked', async () => {
    let imported = 0;
    const builtins = { mine: async () => (imported++, { default: provider }), other: async () => (imported++, {}) };
    const loaded = await loadProvider('mine', stack, builtins);
    expect(loaded).toEqual({ kind: 'v1', provider });
    expect(imported).toBe(1);
  });

  it('names the table as the built-ins when a name is unknown', async () => {
    await expect(loadProvider('nope', stack, { mine: async () => ({ default: provider }) })).rejects.toMatchObject({
      code: 'UnknownProvider',
      hint: expect.stringContaining('built-in providers: mine;'),
    });
  });

  it('takes no name from the table object itself or from `providers:` (constructor, toString)', async () => {
    const registering = {
      ...stack,
      config: { ...stack.config, providers: { mine: './mine.mjs' } },
    } as unknown as LoadedStack;
    for (const name of ['constructor', 'toString', '__proto__']) {
      for (const s of [stack, registering])
        await expect(loadProvider(name, s, { mine: async () => ({ default: provider }) })).rejects.toMatchObject({
          code: 'UnknownProvider',
        });
    }
  });
});
