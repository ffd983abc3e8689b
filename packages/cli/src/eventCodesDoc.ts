// docs/using/events.md: every progress event code once, from the registry in provider-kit's events.ts.
import { EVENT_CODES, type EventSpec } from '@pctl/core';

export function eventCodesMarkdown(): string {
  const rows = Object.entries(EVENT_CODES as Record<string, EventSpec>).map(
    ([code, e]) => `| \`${code}\` | ${e.level} | ${e.payload ?? '—'} | ${e.finishes ? 'yes' : ''} | ${e.description} |`,
  );
  return [
    '# Progress event codes',
    '',
    '<!-- Generated from packages/provider-kit/src/events.ts by `npm run schemas`; edit there. -->',
    '',
    'While a command runs, pctl and its providers report progress as events: a level, a code',
    'from this list, a line of text, the service (or image) it is about, and a payload typed by',
    'the code. People see them on stderr (a live board on a terminal, plain lines elsewhere);',
    'under `--json` they stay on stderr, and stdout carries only the one document',
    '([json.md](json.md)). The set is closed: a new code is one entry in `EventPayloads` and',
    '`EVENT_CODES` (packages/provider-kit/src/events.ts), and this page is regenerated from it.',
    '',
    'A provider reports with `ctx.reporter.info(text, subject, code, data)` (and `warn`, `debug`,',
    '`emit`); the codes are `Events.<Code>` from `@pctl/provider-kit` (or',
    '`@pctl/provider-kit/reporter`). In TypeScript an unknown code does not compile. A code of a',
    "provider's own is written `x-<name>` (letters, digits, `.`, `_`, `-`; up to 64): it is shown",
    "at the level it was reported at and never ends a service's line. Any other code (from",
    "JavaScript) is reported under its level's default code: `Info`, `Warning`, `Debug` or `Error`.",
    '',
    '"Ends the line": on the live board the event marks its service done.',
    '',
    '| Code | Level | Payload (`data`) | Ends the line | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
