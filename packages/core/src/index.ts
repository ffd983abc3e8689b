// Public surface of @pctl/core.
export * from './errors.js';
export * from './exec.js';
export * from './output/mask.js';
export { secretLikeName, MIN_ORDINARY_SECRET } from './config/secretRule.js';
export * from './step.js';
export * from './exitGuard.js';
export * from './labels.js';
export * from './names.js';
export * from './closestName.js';
export * from './reporter.js';
export * from './contract.js';
export * from './config/schema.js';
export * from './config/index.js';
export * from './state/index.js';
export * from './image/index.js';
export * from './providers/index.js';
export * from './engine/index.js';
export * from './dockerApi/index.js';
