export { main } from './main.js';
export { loadProvider, builtinProviderNames } from './providers.js';
export { outputJsonSchema, errorCodesMarkdown } from './outputSchema.js';
