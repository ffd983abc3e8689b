// Under --json, stdout carries the one document and nothing else. Node cannot dup2 fd 1, so
// every way a provider, plugin or child process reaches fd 1 is turned to fd 2 instead:
// process.stdout.write (and console.log), fs.write*(1, ...), and children spawned with
// stdout inherited. Only the document itself is written to the real stdout.
import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

type Stdio = unknown;
type AnyFn = (...args: unknown[]) => unknown;

// A child's stdio with its stdout (slot 1) sent to our stderr when it would be our stdout.
function divertedStdio(stdio: Stdio): Stdio {
  if (stdio === 'inherit') return ['inherit', 2, 'inherit'];
  if (Array.isArray(stdio) && (stdio[1] === 'inherit' || stdio[1] === 1 || stdio[1] === process.stdout))
    return [stdio[0], 2, ...stdio.slice(2)];
  return stdio;
}

// The options argument of a child_process call: the last plain object among its arguments.
function withDivertedStdio(args: unknown[]): unknown[] {
  let i = args.length - 1;
  while (i >= 0 && !(typeof args[i] === 'object' && args[i] !== null && !Array.isArray(args[i]))) i--;
  if (i < 0 || !('stdio' in (args[i] as object))) return args;
  const opts = args[i] as { stdio?: Stdio };
  const out = [...args];
  out[i] = { ...opts, stdio: divertedStdio(opts.stdio) };
  return out;
}

const SPAWNERS = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'execSync', 'fork'] as const;
const FD_WRITERS = ['write', 'writeSync', 'writev', 'writevSync'] as const;

// Turns fd 1 to fd 2 for everything but `writeDocument` (through `rawWrite`, the stream's
// own write); returns the function that undoes it.
export function divertStdout(rawWrite: (text: string) => void): {
  writeDocument: (text: string) => void;
  restore: () => void;
} {
  const realWrite = process.stdout.write.bind(process.stdout);
  const saved = new Map<string, AnyFn>();
  let documentWrite = false;
  const cp = childProcess as unknown as Record<string, AnyFn>;
  const fsm = fs as unknown as Record<string, AnyFn>;
  for (const name of SPAWNERS) {
    const orig = cp[name]!;
    saved.set(`cp.${name}`, orig);
    cp[name] = function (this: unknown, ...args: unknown[]) {
      return orig.apply(this, withDivertedStdio(args));
    };
  }
  for (const name of FD_WRITERS) {
    const orig = fsm[name]!;
    saved.set(`fs.${name}`, orig);
    fsm[name] = function (this: unknown, fd: unknown, ...rest: unknown[]) {
      return orig.call(this, fd === 1 && !documentWrite ? 2 : fd, ...rest);
    };
  }
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  syncBuiltinESMExports();
  return {
    writeDocument: (text) => {
      documentWrite = true;
      try {
        rawWrite(text);
      } finally {
        documentWrite = false;
      }
    },
    restore: () => {
      for (const [key, fn] of saved) (key.startsWith('cp.') ? cp : fsm)[key.slice(3)] = fn;
      process.stdout.write = realWrite;
      syncBuiltinESMExports();
    },
  };
}
