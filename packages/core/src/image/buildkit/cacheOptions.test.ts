import { describe, expect, it } from 'vitest';
import { engineCacheTo, parseCacheEntry } from './cacheOptions.js';

describe('build.cacheFrom / build.cacheTo entries', () => {
  it('reads registry and inline caches, a bare ref as a registry cache', () => {
    expect(parseCacheEntry('type=registry,ref=127.0.0.1:5000/team/api:cache', false, 'w')).toEqual({
      type: 'registry',
      ref: '127.0.0.1:5000/team/api:cache',
      raw: 'type=registry,ref=127.0.0.1:5000/team/api:cache',
    });
    expect(parseCacheEntry('ghcr.io/org/api:cache', false, 'w')).toMatchObject({
      type: 'registry',
      ref: 'ghcr.io/org/api:cache',
    });
    expect(parseCacheEntry('type=inline', true, 'w')).toEqual({ type: 'inline', raw: 'type=inline' });
    expect(parseCacheEntry('type=registry,ref=r.io/a:c,mode=max', true, 'w')).toMatchObject({ mode: 'max' });
  });

  it('refuses what the engine cannot do, or what is not an image reference, naming the field', () => {
    expect(() => parseCacheEntry('type=local,dest=/tmp/c', true, 'services.api.build.cacheTo')).toThrow(
      /^services.api.build.cacheTo: cacheTo type=local is not supported/,
    );
    expect(() => parseCacheEntry('type=inline', false, 'w')).toThrow(/cacheFrom type=inline is not supported/);
    expect(() => parseCacheEntry('type=registry,ref=--output=x', false, 'w')).toThrow(/valid image reference/);
    expect(() => parseCacheEntry('type=registry', true, 'w')).toThrow(/needs ref=/);
    expect(() => parseCacheEntry('type=registry,ref=r.io/a:c,compression=zstd', true, 'w')).toThrow(
      /no option compression/,
    );
    expect(() => parseCacheEntry('r.io/a:c', true, 'w')).toThrow(/is not a cache export/);
    expect(() => parseCacheEntry('type=registry,ref=r.io/a:c,mode=min', false, 'w')).toThrow(/mode=min is not valid/);
  });

  it('mode=max is an error on the engine: its API exports only the inline cache', () => {
    const max = parseCacheEntry('type=registry,ref=r.io/a:c,mode=max', true, 'w');
    expect(() => engineCacheTo([max], 'api')).toThrow(/service api: build.cacheTo .*mode=max/);
    const min = parseCacheEntry('type=registry,ref=r.io/a:c', true, 'w');
    expect(engineCacheTo([min], 'api')).toEqual([min]);
  });
});
