// @pctl/provider-kit: everything a provider author builds on, and nothing heavy.
export * from './contract.js';
export * from './config.js';
export * from './state.js';
export * from './exec.js';
export * from './errors.js';
export * from './labels.js';
export * from './names.js';
export * from './events.js';
export * from './reporter.js';
export * from './testing.js';
