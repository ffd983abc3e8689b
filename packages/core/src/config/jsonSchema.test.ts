import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stackJsonSchema } from './jsonSchema.js';

describe('schemas/pctl.schema.json', () => {
  it('is the schema generated from the zod schema (run `npm run schemas` when this fails)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../../schemas/pctl.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(stackJsonSchema())));
  });

  it('describes services, providers and builds', () => {
    const s = stackJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(s.required).toEqual(expect.arrayContaining(['name', 'services']));
    expect(Object.keys(s.properties)).toEqual(
      expect.arrayContaining(['name', 'resolver', 'plugin', 'custom', 'services', 'providers']),
    );
  });
});
