// Config loading: YAML with line numbers, references, validation, plugins.
export {
  loadStack,
  ConfigError,
  formatIssues,
  MAX_STACK_FILE_BYTES,
  type LoadedStack,
  type LoadStackOptions,
  type ConfigIssue,
} from './load.js';
export { parseTemplate, hasReference } from './references.js';
export { resolveConfig, type ResolverFn } from './resolve.js';
export { stackJsonSchema } from './jsonSchema.js';
export { parsePort, parsePortEntry, expandPort, type ParsedPort, type SinglePort } from './ports.js';
export { type VolumeMount } from './volumes.js';
export { readRegularFile, UnreadableFile } from './read.js';
export { resolvePackage } from './packageResolve.js';
export { quietAwsSdk } from './aws.js';
