// Turns the config into deploy targets: build specs, image refs, labels and fingerprints.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig, ServiceConfig } from '../config/schema.js';
import type { ServiceTarget } from '../contract.js';
import { PctlError } from '../errors.js';
import { pctlLabels } from '../labels.js';
import { serviceKey } from '../serviceKey.js';
import {
  buildSpecFor,
  hashBuildInputs,
  hashCachePath,
  HashCache,
  imageRepoFor,
  type AnalyzedBuild,
  type BuildFs,
  type BuildSpec,
  type BuildRecord,
} from '../image/index.js';
import { canonicalJson, sha256 } from './canonical.js';
import { fingerprintService } from './fingerprint.js';
import { sealSecrets } from './sealSecrets.js';

export const IMAGE_REF_SCHEME = 'pctl://';

export interface PlannedTarget extends ServiceTarget {
  /** Build spec when pctl builds this service's image. */
  build?: BuildSpec;
  buildRecord?: BuildRecord;
  /** The Dockerfile as built and the context entries it reads (not stored anywhere). */
  buildAnalysis?: AnalyzedBuild;
  /** Hash of the service without provider and build inputs; with optionsHash, explains redeploys. */
  configHash: string;
  optionsHash: string;
}

// Computes every service's target; build inputs are hashed in parallel.
// `cwd` keeps the stack's hash cache (`.pctl/<stack>.hashes.json`): unchanged files are not
// read again. `hashing` swaps the file system and clock the hashing uses (tests count reads).
export async function computeTargets(opts: {
  stack: string;
  config: StackConfig;
  configDir: string;
  only?: string[];
  cwd?: string;
  hashing?: { fs?: BuildFs; now?: () => number };
  secrets?: readonly string[];
}): Promise<PlannedTarget[]> {
  const names = Object.keys(opts.config.services).sort();
  const specs = new Map<string, BuildSpec | undefined>();
  for (const name of names) {
    const svc = opts.config.services[name]!;
    const spec = svc.image?.startsWith(IMAGE_REF_SCHEME) ? undefined : buildSpecFor(svc, opts.configDir, name);
    specs.set(name, spec && { ...spec, service: name });
  }
  const records = new Map<string, BuildRecord>();
  const analyses = new Map<string, AnalyzedBuild>();
  const cache = opts.cwd
    ? await HashCache.load(hashCachePath(opts.cwd, opts.stack), opts.hashing?.now)
    : HashCache.empty();
  await Promise.all(
    names.map(async (name) => {
      const spec = specs.get(name);
      if (!spec) return;
      const { analyzed, ...record } = await hashBuildInputs(spec, {
        cache,
        fs: opts.hashing?.fs,
        seal: (v) => sealSecrets(v, opts.secrets ?? [], opts.stack),
      });
      records.set(name, record);
      analyses.set(name, analyzed);
    }),
  );
  // The cache only saves work: failing to write it must not fail a plan or a deploy.
  await cache.save().catch(() => undefined);
  // Services with identical build inputs share one image (built once).
  const repoByHash = new Map<string, string>();
  const refs = new Map<string, string>();
  for (const name of names) {
    const rec = records.get(name);
    const svc = opts.config.services[name]!;
    if (rec) {
      const repo = imageRepoFor({ stack: opts.stack, service: name, registry: svc.registry });
      const shareKey = `${repo.includes('/') ? repo : 'local'}|${rec.hash}`;
      const chosen = repoByHash.get(shareKey) ?? repo;
      repoByHash.set(shareKey, chosen);
      refs.set(name, `${chosen}:${rec.hash.slice(0, 12)}`);
    } else if (svc.image && !svc.image.startsWith(IMAGE_REF_SCHEME)) {
      refs.set(name, svc.image);
    }
  }
  const resolveRef = (value: string, where: string): string => {
    if (!value.startsWith(IMAGE_REF_SCHEME)) return value;
    const other = value.slice(IMAGE_REF_SCHEME.length);
    const ref = refs.get(other);
    if (!ref) {
      throw new PctlError({
        code: 'UnknownImageReference',
        message: `${where}: ${value} names no service with an image`,
        fault: 'user',
        hint: `use pctl://<service> with one of: ${[...refs.keys()].join(', ') || '(none)'}`,
      });
    }
    return ref;
  };
  const only = opts.only?.length ? new Set(opts.only) : undefined;
  const selected = only ? names.filter((n) => only.has(n)) : names;
  // One object for every target: a copy each made plan quadratic in services.
  const imageRefs: Record<string, string> = Object.freeze(Object.fromEntries(refs));
  return selected.map((name) => {
    const svc0 = opts.config.services[name]!;
    const env = svc0.env
      ? Object.fromEntries(Object.entries(svc0.env).map(([k, v]) => [k, resolveRef(v, `services.${name}.env.${k}`)]))
      : undefined;
    const service: ServiceConfig = env ? { ...svc0, env } : svc0;
    const ref = resolveRef(refs.get(name) ?? svc0.image ?? '', `services.${name}.image`);
    const rec = records.get(name);
    const manifestsHash = svc0.manifests?.length
      ? hashManifests(svc0.manifests, opts.configDir, name, (v, where) => resolveRef(v, where))
      : undefined;
    // What is hashed and stored holds each secret only as its seal (sealSecrets.ts); a
    // build secret only by its id: its value changes neither the image nor the service.
    // How many releases are kept changes nothing that runs: it redeploys nothing.
    const { history: _h, ...running } = service;
    const hashed = sealSecrets(withoutBuildSecretValues(running as ServiceConfig), opts.secrets ?? [], opts.stack);
    const { provider, build: _b, ...rest } = hashed;
    const key = serviceKey(opts.stack, name);
    return {
      name,
      key,
      service,
      labels: pctlLabels(opts.stack, name),
      image: { ref, builtByPctl: Boolean(rec), buildHash: rec?.hash },
      fingerprint: fingerprintService({ service: hashed, buildHash: rec?.hash, imageRef: ref, manifestsHash }),
      imageRefs,
      build: specs.get(name),
      buildRecord: rec,
      buildAnalysis: analyses.get(name),
      configHash: sha256(
        canonicalJson({ ...rest, image: ref, ...(manifestsHash ? { manifests: manifestsHash } : {}) }),
      ),
      optionsHash: sha256(canonicalJson(provider)),
    };
  });
}

// The bytes of a service's raw manifests (files, or every file under a folder) and the
// images their pctl:// references resolve to: editing a manifest, or rebuilding an image
// it names, redeploys the service.
function hashManifests(
  entries: string[],
  configDir: string,
  service: string,
  resolve: (v: string, where: string) => string,
): string {
  const h = createHash('sha256');
  const files: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(path.join(p, e));
    else files.push(p);
  };
  entries.forEach((entry, i) => {
    const abs = path.resolve(configDir, entry);
    try {
      walk(abs);
    } catch (e) {
      throw new PctlError({
        code: 'ManifestMissing',
        message: `services.${service}.manifests[${i}]: cannot read ${entry} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        fault: 'user',
        hint: 'paths are relative to the stack file',
      });
    }
  });
  for (const f of files) {
    const text = readFileSync(f);
    h.update(`${path.relative(configDir, f)}\0${text.length}\0`).update(text);
    const body = text.toString('utf8');
    // Lines counted on from the last match: from the start each time was quadratic in matches.
    let line = 1;
    let counted = 0;
    for (const m of body.matchAll(/pctl:\/\/([A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?)/g)) {
      for (let i = body.indexOf('\n', counted); i !== -1 && i < m.index; i = body.indexOf('\n', i + 1)) line++;
      counted = m.index;
      h.update(`\0${m[0]}=${resolve(m[0], `${path.relative(configDir, f)}:${line} (services.${service}.manifests)`)}`);
    }
  }
  return h.digest('hex');
}

// The service with each build.secrets value left out (its id kept).
function withoutBuildSecretValues(service: ServiceConfig): ServiceConfig {
  const secrets = service.build?.secrets;
  if (!secrets) return service;
  return {
    ...service,
    build: { ...service.build, secrets: Object.fromEntries(Object.keys(secrets).map((id) => [id, ''])) },
  };
}
