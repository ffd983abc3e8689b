export * from './types.js';
export * from './store.js';
export * from './lock.js';
export * from './lockFile.js';
