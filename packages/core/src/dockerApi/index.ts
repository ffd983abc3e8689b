// The connection layer to the Docker Engine API (docs/using/docker.md, "How pctl finds the engine").
export type { Engine, EngineContext, EngineEndpoint, SshTarget } from './types.js';
export { engineFor, closeEngines } from './engines.js';
export { engineError, engineStatusCode } from './engineError.js';
export { followProgress, EngineProgressError } from './progress.js';
export { resolveEndpoint } from './endpoint.js';
export { sshFailed } from './sshError.js';
