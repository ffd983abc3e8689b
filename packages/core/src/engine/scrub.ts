// Secrets from resolvers never reach the state file, whatever a provider returns.
import { maskSecrets } from '../exec.js';

// The value with every resolved secret masked in every string it holds.
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  if (!secrets.length) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskSecrets(v, [...secrets]);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
