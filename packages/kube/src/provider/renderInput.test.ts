import type { DeployParams, ProviderContext } from '@pctl/core';
import { describe, expect, it } from 'vitest';
import { renderInputFor } from './renderInput.js';

describe('renderInputFor', () => {
  it('maps the stack image refs to cluster refs only for a service with raw manifests (once per service made render quadratic)', () => {
    const imageRefs = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`s${i}`, `pctl-big-s${i}:abc`]));
    let mapped = 0;
    const clusterRef = (ref: string) => (mapped++, `registry.example/${ref}`);
    const ctx = { stack: 'big', configDir: '/nonexistent', secrets: [] } as unknown as ProviderContext;
    const p = {
      ctx,
      target: { name: 's0', key: 'big-s0', fingerprint: 'f', service: { provider: { name: 'aws' } }, imageRefs },
    } as unknown as DeployParams;
    const input = renderInputFor({
      ctx,
      p,
      o: {},
      namespace: 'default',
      image: { ref: 'registry.example/pctl-big-s0:abc' },
      clusterRef,
    });
    expect(mapped).toBe(0);
    expect(input.images).toBe(imageRefs);
  });
});
