// Fingerprints and config hashes are stored in the state file and on container labels: a
// secret inside the config they hash must not be recoverable from them by guessing (a
// 6-digit PIN under plain sha256 falls in seconds). Each secret is replaced first by a slow,
// salted derivation of it (scrypt, salted by the stack's name and pctl's purpose).
import { scryptSync } from 'node:crypto';

// scrypt cost: about 50 ms per secret on a small machine, once per distinct secret per run.
const COST = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const sealed = new Map<string, string>();

// The stand-in of a secret in hashed config: the same for the same secret and stack, on any machine.
export function sealSecret(secret: string, stack: string): string {
  const id = `${stack}\0${secret}`;
  let out = sealed.get(id);
  if (!out)
    sealed.set(id, (out = `sealed:${scryptSync(secret, `pctl-fingerprint:${stack}`, 16, COST).toString('hex')}`));
  return out;
}

// A copy of a config value with every secret inside its strings replaced by its seal; the
// value itself when it holds none (so a service without secrets keeps its fingerprint).
export function sealSecrets<T>(value: T, secrets: readonly string[], stack: string): T {
  if (!secrets.length) return value;
  const list = [...secrets].sort((a, b) => b.length - a.length);
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let s = v;
      for (const secret of list) if (s.includes(secret)) s = s.split(secret).join(sealSecret(secret, stack));
      if (s !== v) changed = true;
      return s;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(value);
  return changed ? (out as T) : value;
}
