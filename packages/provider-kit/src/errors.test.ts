import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode, PctlError, toPctlError } from './errors.js';

describe('error codes', () => {
  it('are one closed set: the names that meant one thing are one code', () => {
    for (const dup of ['ConfigInvalid', 'Aborted', 'Internal']) expect(isErrorCode(dup), dup).toBe(false);
    for (const code of ['InvalidConfig', 'Interrupted', 'InternalError']) expect(ERROR_CODES).toHaveProperty(code);
  });

  it('turn anything thrown into one readable PctlError with a known code', () => {
    // A provider's JavaScript may use a code of its own: its message and hint are kept.
    const foreign = toPctlError(
      new PctlError({ code: 'MyOwnCode' as never, message: 'disk full', hint: 'free some', fault: 'environment' }),
    );
    expect(foreign).toMatchObject({
      code: 'ProviderFailed',
      message: 'disk full',
      hint: 'free some',
      fault: 'environment',
    });
    expect(toPctlError({ code: 42 }).message).toBe('threw {"code":42}');
    expect(toPctlError(undefined).message).toBe('threw undefined');
    expect(toPctlError('plain').message).toBe('plain');
    const known = new PctlError({ code: 'DeployFailed', message: 'x' });
    expect(toPctlError(known)).toBe(known);
  });
});
