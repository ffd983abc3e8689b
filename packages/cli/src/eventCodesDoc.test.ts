import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_CODES } from '@pctl/core';
import { eventCodesMarkdown } from './eventCodesDoc.js';

const repoFile = (p: string) => readFileSync(new URL(`../../../${p}`, import.meta.url), 'utf8');

describe('the progress event code list', () => {
  it('docs/using/events.md documents every event code once, and no other (run `npm run schemas` when this fails)', () => {
    const doc = repoFile('docs/using/events.md');
    expect(doc).toBe(eventCodesMarkdown());
    const documented = [...doc.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(EVENT_CODES).sort());
  });
});
