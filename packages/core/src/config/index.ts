// Config loading: YAML with line numbers, references, validation, plugins.
export { loadStack, ConfigError, formatIssues, type LoadedStack, type LoadStackOptions, type ConfigIssue } from './load.js';
export { parseTemplate, hasReference } from './references.js';
export { resolveConfig, type ResolverFn } from './resolve.js';
export { stackJsonSchema } from './jsonSchema.js';
