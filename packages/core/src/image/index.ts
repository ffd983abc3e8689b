// Image pipeline: build specs, context and .dockerignore, hashing, builds, registries.
export * from './spec.js';
export * from './dockerignore.js';
export * from './context.js';
export * from './dockerfile.js';
export * from './dockerfileInputs.js';
export * from './inputSelection.js';
export * from './hash.js';
export * from './hashCache.js';
export type { BuildFs } from './buildFs.js';
export * from './contextPlan.js';
export * from './cliError.js';
export * from './buildImage.js';
export * from './engineImages.js';
export * from './baseImages.js';
export * from './registryAuth.js';
export * from './registry.js';
export * from './registryApi.js';
