// `@pctl/provider-kit/reporter`: the progress events alone (the code registry, the typed
// Reporter, a memory reporter for tests), for a provider or tool that needs nothing else.
export * from './events.js';
export * from './reporter.js';
