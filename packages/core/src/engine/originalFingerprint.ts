// The fingerprint the original pctl stored for a service (its Providers API, "Fingerprint"):
// sha256 over the sorted-keys JSON of the service without `provider`, plus the md5 of the
// Dockerfile when the image is a `./` path. Where that text leaves a detail open, every
// reading it allows is computed; a stored value equal to any of them means the service
// definition and the Dockerfile are what they were when the original deployed.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// Keys sorted at every level ("deterministic JSON"), or at the top level only.
function sorted(value: unknown, deep: boolean): unknown {
  if (Array.isArray(value)) return deep ? value.map((v) => sorted(v, true)) : value;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort())
    out[k] = deep ? sorted((value as Record<string, unknown>)[k], true) : (value as Record<string, unknown>)[k];
  return out;
}

// The service as the original's validation returned it: documented defaults filled in
// (`health.retries = 3`, `health.onfailure = restart`), and with `scale` defaulting to one replica.
function withDefaults(service: Record<string, unknown>, scale: boolean): Record<string, unknown> {
  const out = { ...service };
  if (out.health && typeof out.health === 'object')
    out.health = { retries: 3, onfailure: 'restart', ...(out.health as object) };
  if (scale && out.scale === undefined) out.scale = { replica: 1 };
  return out;
}

// The Dockerfile's bytes: the file `image` names (relative to the stack file's folder), or
// the `Dockerfile` in the folder it names; undefined when there is none.
function dockerfileBytes(image: string, configDir: string): Buffer | undefined {
  const target = path.resolve(configDir, image);
  try {
    const file = statSync(target).isDirectory() ? path.join(target, 'Dockerfile') : target;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

// Every value the original could have stored for this service (as written, references resolved).
export function originalFingerprints(service: Record<string, unknown>, configDir: string): Set<string> {
  const { provider: _provider, ...rest } = service;
  const image = typeof service.image === 'string' ? service.image : '';
  const dockerfile = image.startsWith('./') ? dockerfileBytes(image, configDir) : undefined;
  const forms = [rest, withDefaults(rest, false), withDefaults(rest, true)];
  const out = new Set<string>();
  for (const form of forms) {
    for (const deep of [true, false]) {
      const json = JSON.stringify(sorted(form, deep));
      for (const md5 of ['hex', 'base64'] as const) {
        const text = dockerfile ? json + createHash('md5').update(dockerfile).digest(md5) : json;
        for (const sha of ['hex', 'base64'] as const) out.add(createHash('sha256').update(text).digest(sha));
        if (!dockerfile) break;
      }
    }
  }
  return out;
}
