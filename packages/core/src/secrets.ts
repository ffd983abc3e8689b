// Every value a resolver produced in this process (env, file, ssm, custom), remembered the
// moment it resolves, so any output path can mask it: even an error thrown while the
// stack file is still loading, before a LoadedStack exists.
import { maskSecrets } from './exec.js';

const known = new Set<string>();

// Remembers a resolved value as a secret (strings only; empty ones mask nothing).
export function rememberSecret(value: unknown): void {
  if (typeof value === 'string' && value.length > 0) known.add(value);
}

// The secrets remembered so far, longest first (so a secret inside another is masked whole).
export function knownSecrets(): string[] {
  return [...known].sort((a, b) => b.length - a.length);
}

// Text with every remembered secret (and the given ones) masked.
export function maskKnown(text: string, extra: readonly string[] = []): string {
  return maskSecrets(text, [...extra, ...knownSecrets()]);
}

// A deep copy of a JSON-like value with secrets masked in every string, keys included.
export function maskDeep<T>(value: T, secrets: readonly string[] = knownSecrets()): T {
  if (!secrets.length) return value;
  const list = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskSecrets(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [maskSecrets(k, list), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
