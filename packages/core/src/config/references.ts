// `${name:key}` and `${name:key, fallback}` references: parsing and evaluation.
// References nest (`${env:${env:WHICH}}`), repeat, and a whole-string reference may
// yield a non-string value. `${HOME}` (no colon) is not a reference and stays as it is.

export type Segment = { text: string } | { ref: Reference };

export interface Reference {
  name: string;
  key: Segment[];
  fallback?: Segment[];
  /** The reference as written, for messages. */
  source: string;
}

const NAME = /^[A-Za-z][\w-]*$/;

// Index of the `}` closing the `${` that starts at `start`, or -1.
function closingBrace(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

// Index of the first `c` in `s` outside nested `${...}`, or -1.
function topLevelIndex(s: string, c: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && depth > 0) depth--;
    else if (s[i] === c && depth === 0) return i;
  }
  return -1;
}

export function parseTemplate(s: string): Segment[] {
  const out: Segment[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] === '$' && s[i + 1] === '{') {
      const end = closingBrace(s, i);
      const inner = end < 0 ? '' : s.slice(i + 2, end);
      const colon = inner.indexOf(':');
      const name = colon > 0 ? inner.slice(0, colon).trim() : '';
      if (end >= 0 && NAME.test(name)) {
        const rest = inner.slice(colon + 1);
        const comma = topLevelIndex(rest, ',');
        const key = comma < 0 ? rest : rest.slice(0, comma);
        const fallback = comma < 0 ? undefined : rest.slice(comma + 1);
        if (text) out.push({ text });
        text = '';
        out.push({
          ref: {
            name,
            key: parseTemplate(key.trim()),
            fallback: fallback === undefined ? undefined : parseTemplate(fallback.trim()),
            source: s.slice(i, end + 1),
          },
        });
        i = end + 1;
        continue;
      }
    }
    text += s[i];
    i++;
  }
  if (text) out.push({ text });
  return out;
}

export function hasReference(s: string): boolean {
  return parseTemplate(s).some((seg) => 'ref' in seg);
}

/** The first `${name:...` that never closes (`${env:X`), as written up to the end, or undefined. */
export function unterminatedReference(s: string): string | undefined {
  for (let i = s.indexOf('${'); i >= 0; i = s.indexOf('${', i + 2)) {
    if (/^[A-Za-z][\w-]*\s*:/.test(s.slice(i + 2)) && closingBrace(s, i) < 0) return s.slice(i, i + 60);
  }
  return undefined;
}
