export * from './types.js';
export * from './load.js';
export * from './guard.js';
export * from './check.js';
export * from './host.js';
