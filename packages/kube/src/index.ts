// Public surface of @pctl/kube.
export * from './types.js';
export * from './render.js';
export * from './manifests.js';
export * from './client.js';
export * from './deployer.js';
export * from './provider/index.js';
