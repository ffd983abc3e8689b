// Public surface of @pctl/kube.
export * from './types.js';
export * from './objectNames.js';
export * from './ports.js';
export * from './volumes.js';
export * from './env.js';
export * from './storage.js';
export * from './renderService.js';
export * from './raw-manifests.js';
export * from './manifests.js';
export * from './client.js';
export * from './deployer.js';
export * from './serviceObjects.js';
export * from './destroy.js';
export * from './discover.js';
export * from './serviceStatus.js';
export * from './provider/index.js';
