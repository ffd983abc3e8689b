// The one secret mask every output passes through (terminal, --json document, state file,
// error lines, command lines): the values to hide, the forms they can take in text, and
// masking that touches string values only, never the structure of a JSON document.

/** Shortest secret masked: one or two characters cannot be hidden without garbling every other word. */
export const MIN_MASKED = 3;
/** Shortest piece (a line, the text between control characters) of a secret masked on its own. */
export const MIN_PIECE = 6;

const known = new Set<string>();
let knownSorted: string[] | undefined;

// Remembers a value as a secret for the rest of the process (strings only; short ones mask nothing).
export function rememberSecret(value: unknown): void {
  if (typeof value !== 'string' || value.length < MIN_MASKED || known.has(value)) return;
  known.add(value);
  knownSorted = undefined;
}

// The secrets remembered so far, longest first (so a secret inside another is masked whole).
export function knownSecrets(): string[] {
  return (knownSorted ??= [...known].sort((a, b) => b.length - a.length));
}

// Go's %q of a string (what the docker CLI and the engine print in quoted errors), without the quotes.
function goQuoted(s: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '"': '\\"',
    '\\': '\\\\',
  };
  return s.replace(/[\x00-\x1f\x7f"\\]/g, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

// Every form a secret can take in printed text: as is, trimmed, JSON- and Go-escaped, and
// each long-enough piece between line breaks or control characters (a tail that cuts a
// multi-line secret, an error that stops at a NUL byte).
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_MASKED) return [];
  const forms = new Set<string>([secret]);
  const trimmed = secret.trim();
  if (trimmed.length >= MIN_MASKED) forms.add(trimmed);
  for (const piece of secret.split(/[\x00-\x1f\x7f]+/)) if (piece.trim().length >= MIN_PIECE) forms.add(piece.trim());
  for (const f of [secret, trimmed]) {
    if (f.length < MIN_MASKED) continue;
    forms.add(JSON.stringify(f).slice(1, -1));
    forms.add(goQuoted(f));
  }
  return [...forms];
}

const formCache = new Map<string, string[]>();
// The masked forms of these secrets, longest first.
function formsOf(secrets: readonly string[]): string[] {
  const all = new Set<string>();
  for (const s of secrets) {
    let f = formCache.get(s);
    if (!f) formCache.set(s, (f = secretForms(s)));
    for (const x of f) all.add(x);
  }
  return [...all].sort((a, b) => b.length - a.length);
}

// Text with every form of each secret (and of every remembered one) replaced by `***`.
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const f of formsOf([...secrets, ...knownSecrets()])) if (out.includes(f)) out = out.split(f).join('***');
  return out;
}

// Text with every remembered secret (and the given ones) masked.
export function maskKnown(text: string, extra: readonly string[] = []): string {
  return maskSecrets(text, extra);
}

// A deep copy of a JSON-like value with secrets masked inside its string values; keys,
// numbers, booleans and null are structure and stay as they are (`"ok":true` stays JSON).
export function maskDeep<T>(value: T, secrets: readonly string[] = []): T {
  const forms = formsOf([...secrets, ...knownSecrets()]);
  if (!forms.length) return value;
  const maskString = (s: string) => {
    let out = s;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join('***');
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskString(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

// A state entry (or any value pctl stores) with the given secrets masked in its strings.
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  return maskDeep(value, secrets);
}
