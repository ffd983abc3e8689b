export { main } from './main.js';
export { loadProvider, builtinProviderNames } from './providers.js';
