// The Kubernetes provider skeleton and its token source (see skeleton.ts, spec.ts, token.ts).
export * from './skeleton.js';
export * from './spec.js';
export * from './renderInput.js';
export * from './token.js';
export * from './options.js';
export * from './registryLogin.js';
