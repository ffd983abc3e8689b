export { main } from './main.js';
export { builtinProviders } from './providers.js';
export { outputJsonSchema, errorCodesMarkdown } from './outputSchema.js';
export { eventCodesMarkdown } from './eventCodesDoc.js';
