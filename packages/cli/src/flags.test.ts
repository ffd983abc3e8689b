import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { applyBooleanEnv, envBoolean, flagLabel } from './flags.js';

const program = () => new Command('pctl').option('--json').option('-v, --verbose').option('--no-wait').exitOverride();

describe('PCTL_* variables of the boolean global flags', () => {
  it("reads 1/true/yes/on and 0/false/no/off (and empty), refusing anything else by the variable's name", () => {
    for (const v of ['1', 'true', 'TRUE', 'yes', 'on', ' 1 ']) expect(envBoolean('PCTL_JSON', v)).toBe(true);
    for (const v of ['0', 'false', 'False', 'no', 'off', '']) expect(envBoolean('PCTL_JSON', v)).toBe(false);
    expect(() => envBoolean('PCTL_VERBOSE', 'maybe')).toThrow(
      'PCTL_VERBOSE must be 1, true, yes or on (or 0, false, no, off), got "maybe"',
    );
  });

  it('sets the flags from their variables, PCTL_NO_WAIT turning wait off', () => {
    const p = program();
    p.parse([], { from: 'user' });
    applyBooleanEnv(p, { PCTL_JSON: '1', PCTL_VERBOSE: 'no', PCTL_NO_WAIT: 'true' });
    expect(p.opts()).toEqual({ json: true, wait: false });
    expect(p.getOptionValueSource('json')).toBe('env');
  });

  it('a flag on the command line wins over its variable, even a malformed one', () => {
    const p = program();
    p.parse(['--json'], { from: 'user' });
    applyBooleanEnv(p, { PCTL_JSON: 'garbage' });
    expect(p.opts().json).toBe(true);
  });
});

describe('flagLabel', () => {
  it('names the variable when the value came from it, else the flag', () => {
    const cmd = () =>
      new Command('pctl').addOption(new Option('--concurrency <n>').env('PCTL_CONCURRENCY')).exitOverride();
    const saved = process.env.PCTL_CONCURRENCY;
    process.env.PCTL_CONCURRENCY = '3';
    try {
      const fromEnv = cmd().parse([], { from: 'user' });
      expect(fromEnv.opts().concurrency).toBe('3');
      expect(flagLabel(fromEnv, 'concurrency', '--concurrency')).toBe('PCTL_CONCURRENCY');
      const fromFlag = cmd().parse(['--concurrency', '2'], { from: 'user' });
      expect(fromFlag.opts().concurrency).toBe('2');
      expect(flagLabel(fromFlag, 'concurrency', '--concurrency')).toBe('--concurrency');
    } finally {
      if (saved === undefined) delete process.env.PCTL_CONCURRENCY;
      else process.env.PCTL_CONCURRENCY = saved;
    }
  });
});
