import { describe, expect, it } from 'vitest';
import { createMemoryReporter, isPctlError, type ProviderContext, type StateEntry } from '@pctl/core';
import { KubeServiceOptionsSchema } from '../types.js';
import { defineKubeProvider } from './skeleton.js';

// A provider on the skeleton whose cluster is never reached: it counts the attempts.
function countingProvider() {
  const reached: string[] = [];
  const provider = defineKubeProvider({
    name: 'fake',
    schema: KubeServiceOptionsSchema,
    needsPush: false,
    connect: async () => {
      throw new Error('not in this test');
    },
    clusterId: () => 'fake',
    connectRecorded: async (_ctx, key) => {
      reached.push(key);
      return undefined;
    },
    registry: { imageFor: (p) => ({ ref: p.target.image.ref }), deliver: async () => false },
  });
  return { provider, reached };
}

const ctx = {
  stack: 'shop',
  config: { name: 'shop', services: {} },
  reporter: createMemoryReporter(),
  signal: new AbortController().signal,
} as unknown as ProviderContext;
const entry = { provider: 'fake', labels: {} } as unknown as StateEntry;

describe('the Kubernetes skeleton and state keys', () => {
  it('destroys a key of the stack (its cluster asked for), and refuses one that is not <stack>-<service> before reaching any cluster', async () => {
    const { provider, reached } = countingProvider();
    await provider.destroy!({ ctx, key: 'shop-web', entry });
    expect(reached).toEqual(['shop-web']);
    for (const key of ['', 'other-web', 'shop-', 'shop-web;x']) {
      const err = await provider.destroy!({ ctx, key, entry }).catch((e: unknown) => e);
      expect(isPctlError(err) && err.code, key).toBe('StateInvalid');
      expect((err as Error).message).toBe(
        `state entry ${JSON.stringify(key)} is not <stack>-<service> for stack shop: pctl removes nothing for it`,
      );
    }
    expect(reached).toEqual(['shop-web']);
  });
});
