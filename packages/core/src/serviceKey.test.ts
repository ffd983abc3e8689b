import { describe, expect, it } from 'vitest';
import { serviceKey, serviceOfKey } from './serviceKey.js';

describe('serviceKey and serviceOfKey', () => {
  it('cuts a key back into the service it was built from, also when names hold dashes', () => {
    for (const [stack, service] of [
      ['shop', 'web'],
      ['my-shop', 'api-v2'],
      ['a', 'b-c-d'],
    ] as const) {
      expect(serviceOfKey(stack, serviceKey(stack, service))).toBe(service);
    }
  });

  it('gives undefined for a key of another stack, no service, or a name no stack file allows', () => {
    expect(serviceOfKey('shop', 'other-web')).toBeUndefined();
    expect(serviceOfKey('shop', 'shop-')).toBeUndefined();
    expect(serviceOfKey('shop', 'shop-web;rm')).toBeUndefined();
    expect(serviceOfKey('shop', `shop-${'x'.repeat(64)}`)).toBeUndefined();
    expect(serviceOfKey('shop', 42)).toBeUndefined();
  });
});
