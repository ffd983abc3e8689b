// The error class lives in @pctl/provider-kit (provider authors throw it too); the core
// re-exports it so that there is one class, one set of codes.
export { PctlError, isPctlError, toPctlError, type Fault, type PctlErrorOptions } from '@pctl/provider-kit';
