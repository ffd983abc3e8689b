import { describe, expect, it } from 'vitest';
import { isPctlError } from '@pctl/core';
import { z } from 'zod';
import { parseProviderOptions } from './options.js';

describe('parseProviderOptions', () => {
  const schema = z.strictObject({
    cluster: z.string().regex(/^[a-z]+$/, 'must be lowercase'),
    namespace: z.string().default('default'),
  });

  it('gives the parsed options, defaults filled, and {} when there are none', () => {
    expect(parseProviderOptions(schema, { cluster: 'prod' })).toEqual({ cluster: 'prod', namespace: 'default' });
    expect(() => parseProviderOptions(schema, undefined)).toThrow(/^provider\.options\.cluster: /);
  });

  it('throws one InvalidConfig line naming the path of the first issue', () => {
    const err = (() => {
      try {
        parseProviderOptions(schema, { cluster: 'Prod' });
      } catch (e) {
        return e;
      }
    })();
    expect(isPctlError(err) && err.code).toBe('InvalidConfig');
    expect((err as Error).message).toBe('provider.options.cluster: must be lowercase');
  });
});
