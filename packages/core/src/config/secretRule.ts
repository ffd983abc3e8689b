// Which resolved values are secrets (docs/using/reliability.md, "Masking rule"): masked in every
// output and kept out of the state file. Ordinary words are not secrets, and an address
// the next run needs (host, network, registry, image, stack name) is never one.
import { MIN_MASKED } from '../output/mask.js';

/** Shortest value an ordinary reference (`${env:}`, a custom resolver) gives that is masked. */
export const MIN_ORDINARY_SECRET = 8;

/** Where a resolved value came from. */
export type SecretSource = 'env' | 'file' | 'ssm' | 'custom';

export interface ResolvedValue {
  value: string;
  source: SecretSource;
  /** The reference's key (`DB_PASSWORD` of `${env:DB_PASSWORD}`). */
  key: string;
  /** Where it is used in the stack file. */
  path: readonly (string | number)[];
}

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pw',
  'pass',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'key',
  'keys',
  'apikey',
  'credential',
  'credentials',
  'creds',
  'auth',
  'private',
  'pin',
  'cert',
  'pem',
  'signature',
  'salt',
  'session',
  'cookie',
]);

// A name that looks like it holds a secret: DB_PASSWORD, apiToken, aws.secretAccessKey, id_rsa.key.
export function secretLikeName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

// pctl's own fields that hold an address or a name the next run acts on: never secrets.
// (`key` of the docker provider is the path of an ssh key file, which ssh needs again at destroy.)
const ADDRESS_OPTIONS = new Set([
  'host',
  'user',
  'port',
  'key',
  'network',
  'region',
  'project',
  'zone',
  'location',
  'cluster',
  'namespace',
  'context',
  'repository',
  'profile',
]);
export function isAddressPath(p: readonly (string | number)[]): boolean {
  if (p.length === 1) return p[0] === 'name';
  const [top, , field, sub] = p;
  const inService = top === 'services';
  const rest = inService ? p.slice(2) : top === 'manifests' ? p.slice(1) : [];
  const last = String(rest.at(-1));
  // An address option, even inside a block named like a secret (aws `credentials: { region }`).
  if (
    rest[0] === 'provider' &&
    rest[1] === 'options' &&
    ADDRESS_OPTIONS.has(last) &&
    (rest.length === 3 || last !== 'key')
  )
    return true;
  if (rest.some((s) => typeof s === 'string' && secretLikeName(s))) return false;
  if (inService && p.length === 3 && (field === 'image' || field === 'registry')) return true;
  if (inService && field === 'registry' && sub === 'url') return true;
  if (inService && field === 'build' && (sub === 'context' || sub === 'dockerfile' || sub === 'target')) return true;
  return rest[0] === 'provider' && rest[1] === 'name';
}

// The path below the service's name (a service called "auth" does not make all its values secret).
const fieldPath = (p: readonly (string | number)[]) => (p[0] === 'services' ? p.slice(2) : p);

// Whether a value is a secret whatever its length: read from a file, from SSM (decrypted),
// named like one, used under a name like one, or marked by the user (`secrets:`).
const isMarked = (v: ResolvedValue, marked: ReadonlySet<string>) => marked.has(v.key) || marked.has(v.path.join('.'));
function strong(v: ResolvedValue, marked: ReadonlySet<string>): boolean {
  if (isMarked(v, marked)) return true;
  if (isAddressPath(v.path)) return false;
  if (v.source === 'file' || v.source === 'ssm') return true;
  return secretLikeName(v.key) || fieldPath(v.path).some((s) => typeof s === 'string' && secretLikeName(s));
}

// The secrets among the values the references resolved to, longest first.
export function secretsOf(values: readonly ResolvedValue[], marked: ReadonlySet<string> = new Set()): string[] {
  const out = new Set<string>();
  const addresses = new Set(values.filter((v) => isAddressPath(v.path) && !isMarked(v, marked)).map((v) => v.value));
  for (const v of values) {
    if (v.value.length < MIN_MASKED) continue;
    if (strong(v, marked)) out.add(v.value);
    else if (v.value.length >= MIN_ORDINARY_SECRET && !isAddressPath(v.path) && !addresses.has(v.value))
      out.add(v.value);
  }
  return [...out].sort((a, b) => b.length - a.length);
}
