// The error class and the closed set of error codes live in @pctl/provider-kit (provider
// authors throw it too); the core re-exports them so that there is one class, one set of codes.
export {
  ERROR_CODES,
  cutLong,
  MAX_MESSAGE_CHARS,
  isErrorCode,
  PctlError,
  isPctlError,
  toPctlError,
  leftUnchanged,
  type ErrorCode,
  type Fault,
  type PctlErrorOptions,
} from '@pctl/provider-kit';
