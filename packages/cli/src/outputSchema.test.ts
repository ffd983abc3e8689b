import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@pctl/core';
import { errorCodesMarkdown, outputJsonSchema } from './outputSchema.js';

const repoFile = (p: string) => readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8');

describe('the --json schema and the error code list', () => {
  it('schemas/pctl-output.schema.json is the generated one (run `npm run schemas` when this fails)', () => {
    expect(JSON.parse(repoFile('schemas/pctl-output.schema.json'))).toEqual(
      JSON.parse(JSON.stringify(outputJsonSchema())),
    );
  });

  it('docs/using/errors.md documents every error code once, and no other (run `npm run schemas`)', () => {
    const doc = repoFile('docs/using/errors.md');
    expect(doc).toBe(errorCodesMarkdown());
    const documented = [...doc.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
