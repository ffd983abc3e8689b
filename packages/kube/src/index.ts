// Public surface of @pctl/kube.
export * from './types.js';
export * from './names.js';
export * from './ports.js';
export * from './volumes.js';
export * from './env.js';
export * from './storage.js';
export * from './render.js';
export * from './raw-manifests.js';
export * from './manifests.js';
export * from './client.js';
export * from './deployer.js';
