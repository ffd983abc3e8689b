// A service's fingerprint: its config (provider options included, so an options change
// redeploys) plus the hash of its build inputs (Dockerfile and the files it copies).
import type { ServiceConfig } from '../config/schema.js';
import { canonicalJson, sha256 } from './canonical.js';

export interface FingerprintInput {
  service: ServiceConfig;
  /** Hash of the build inputs, for services pctl builds. */
  buildHash?: string;
  /** The final image reference (covers `pctl://` references to other services' builds). */
  imageRef: string;
  /** Hash of the raw manifest files and the image refs they name (Kubernetes services). */
  manifestsHash?: string;
}

export function fingerprintService(input: FingerprintInput): string {
  const { provider, ...rest } = input.service;
  return sha256(
    canonicalJson({
      v: 1,
      service: rest,
      provider,
      buildHash: input.buildHash ?? null,
      image: input.imageRef,
      ...(input.manifestsHash ? { manifests: input.manifestsHash } : {}),
    }),
  );
}
