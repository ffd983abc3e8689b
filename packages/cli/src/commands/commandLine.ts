// What `pctl exec` and `pctl run` share: the command after `--` (never pctl's options), the
// usage error, the terminal a `-t` command gets, and the --json error of a command that
// exited non-zero. `pctl logs` and `pctl port-forward` take the usage error too.
import type { Command } from 'commander';
import type { ExecTerminal } from '@pctl/core';
import type { PctlError } from '@pctl/core';
import { loadCore } from '../invocation.js';
import { errorJson } from '../jsonOutput.js';

type Core = Awaited<ReturnType<typeof loadCore>>;

/** A usage error (exit 2) with the command's usage line as its hint. */
export function usageError(core: Core, usage: string): (message: string) => PctlError {
  return (message) => new core.PctlError({ code: 'BadUsage', message, fault: 'user', exitCode: 2, hint: usage });
}

/**
 * The words after `--` on the command line; `commander` put them (with any words before
 * `--`) in `words`. Only the service goes before `--`; `required`: a command must follow.
 */
export function commandAfterDashes(
  cmd: Command,
  verb: string,
  service: string,
  words: string[],
  bad: (message: string) => PctlError,
  required: boolean,
): string[] {
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  const dashes = raw.indexOf('--');
  if (dashes < 0) {
    if (words.length) throw bad(`put -- before the command: pctl ${verb} ${service} -- ${words.join(' ')}`);
    if (required) throw bad('no command: give it after --');
    return [];
  }
  const after = raw.slice(dashes + 1);
  if (!after.length) throw bad('no command after --');
  if (words.length !== after.length) {
    const before = words.slice(0, words.length - after.length).filter((a) => a !== '--');
    throw bad(`only the service goes before --, got ${JSON.stringify(before)} too`);
  }
  return after;
}

/** `--replica N` (1, 2, ...), undefined when not given; a usage error for anything else. */
export function replicaNumber(value: string | undefined, bad: (message: string) => PctlError): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value) && Number(value) >= 1 && Number.isSafeInteger(Number(value))) return Number(value);
  throw bad(`--replica must be a replica number (1, 2, ...), got ${JSON.stringify(value)}`);
}

/** Under --json a command that exited non-zero is a failed run: the document says why. */
export function commandFailed(core: Core, exitCode: number, message: string): { error?: ReturnType<typeof errorJson> } {
  if (exitCode === 0) return {};
  return { error: errorJson(new core.PctlError({ code: 'CommandFailed', message, fault: 'user', exitCode })) };
}

// The terminal's size and its changes (stdout's, as docker takes it), 24x80 when it is not one.
export function terminal(): ExecTerminal {
  const size = () => ({ rows: process.stdout.rows || 24, columns: process.stdout.columns || 80 });
  return {
    ...size(),
    onResize(listener: (size: { rows: number; columns: number }) => void) {
      const on = () => listener(size());
      process.stdout.on('resize', on);
      return () => process.stdout.off('resize', on);
    },
  };
}

// Puts a terminal stdin in raw mode (keys go to the command as typed, Ctrl-C included); returns its undo.
export function rawTerminal(): () => void {
  if (!process.stdin.isTTY) return () => undefined;
  process.stdin.setRawMode(true);
  return () => {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  };
}
