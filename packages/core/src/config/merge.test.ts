import { describe, expect, it } from 'vitest';
import { fromOverlay, mergeOver } from './merge.js';

describe('mergeOver: an environment over the base', () => {
  it('deep-merges maps, replaces lists and scalars, and removes keys set to null', () => {
    const base = {
      name: 'shop',
      services: {
        api: { image: 'a:1', ports: [80, 443], env: { A: '1', B: '2' }, scale: { replica: 1 } },
        web: { image: 'w' },
      },
    };
    const overlay = {
      services: { api: { ports: [8080], env: { B: '3', C: '4' }, scale: null }, web: null, extra: { image: 'x' } },
    };
    expect(mergeOver(base, overlay)).toEqual({
      name: 'shop',
      services: { api: { image: 'a:1', ports: [8080], env: { A: '1', B: '3', C: '4' } }, extra: { image: 'x' } },
    });
  });

  it('leaves both inputs as they were', () => {
    const base = { services: { api: { env: { A: '1' } } } };
    const overlay = { services: { api: { env: { B: '2' } } } };
    const merged = mergeOver(base, overlay) as typeof base & { services: { api: { env: Record<string, string> } } };
    merged.services.api.env.C = '3';
    expect(base).toEqual({ services: { api: { env: { A: '1' } } } });
    expect(overlay).toEqual({ services: { api: { env: { B: '2' } } } });
  });

  it('lets a map replace a scalar and a scalar replace a map', () => {
    expect(mergeOver({ registry: 'ghcr.io/a' }, { registry: { url: 'r.example.com' } })).toEqual({
      registry: { url: 'r.example.com' },
    });
    expect(mergeOver({ registry: { url: 'r' } }, { registry: 'ghcr.io/a' })).toEqual({ registry: 'ghcr.io/a' });
  });

  it('null for a key the base does not have is no key at all', () => {
    expect(mergeOver({ a: 1 }, { b: null })).toEqual({ a: 1 });
  });
});

describe('fromOverlay: which layer a merged value came from', () => {
  const overlay = { services: { api: { ports: [8080], env: { B: '3' } } } };
  it("a key the overlay sets, and everything under a list it sets, are the overlay's", () => {
    expect(fromOverlay(overlay, ['services', 'api', 'env', 'B'])).toBe(true);
    expect(fromOverlay(overlay, ['services', 'api', 'ports', 0])).toBe(true);
  });
  it("a key only the base sets is the base's, even inside a map the overlay merges into", () => {
    expect(fromOverlay(overlay, ['services', 'api', 'env', 'A'])).toBe(false);
    expect(fromOverlay(overlay, ['services', 'api', 'image'])).toBe(false);
    expect(fromOverlay(overlay, ['name'])).toBe(false);
  });
});
