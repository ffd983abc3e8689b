// process.exit while a run executes code pctl does not own: a provider, plugin or resolver
// that ends the process would leave the lock, no JSON document and exit 0. While the guard
// is on, process.exit (and reallyExit, abort) throws a ModuleExited error naming the caller,
// and the first attempt is kept, so the run fails with it even if the module swallows it.
// An exception a module throws from a callback of its own is kept the same way (Node would
// print a stack and exit 1 with no JSON document and the lock left).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PctlError, isPctlError } from './errors.js';
import { describeThrown, unsettledSteps } from './step.js';

type Exit = (code?: number | string | null) => never;

const originals = {
  exit: process.exit,
  reallyExit: (process as unknown as { reallyExit: Exit }).reallyExit,
  abort: process.abort,
};
// pctl's own code: packages/* and providers/* of this checkout (bundle/ or dist/ are 3 levels down).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ownDirs = [path.join(root, 'packages') + path.sep, path.join(root, 'providers') + path.sep];

let attempt: PctlError | undefined;
let on = false;

// The first frame of a stack that is neither Node's nor pctl's: `./p.mjs:1:70`.
function foreignCaller(stack: string): string | undefined {
  for (const m of stack.matchAll(/\n\s+at (?:.*?\()?((?:file:\/\/)?\/[^()\s]*?):(\d+):(\d+)\)?/g)) {
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (ownDirs.some((d) => file.startsWith(d) && !file.includes(`${path.sep}node_modules${path.sep}`))) continue;
    const rel = path.relative(process.cwd(), file);
    return `${rel.startsWith('..') ? file : `./${rel}`}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

// Who is at fault for a stack: the step that runs the calling module (or, if none matches,
// the newest running step), and the caller's line.
function culprit(stack: string): { who: string; caller?: string } {
  const caller = foreignCaller(stack);
  const steps = unsettledSteps();
  const file = caller?.replace(/:\d+:\d+$/, '');
  const step = (file && steps.find((s) => s.module.includes(file))) ?? steps[steps.length - 1];
  return { who: step ? `${step.module}: ${step.step}` : caller ? `the module at ${caller}` : 'a module', caller };
}

// The error for a call to process.<fn>(code) made now.
function exitError(fn: string, code: unknown): PctlError {
  const { who, caller } = culprit(new Error().stack ?? '');
  const args = code === undefined ? '' : String(code).slice(0, 20);
  return new PctlError({
    code: 'ModuleExited',
    message: `${who} called process.${fn}(${args}); pctl stopped the run instead of exiting`,
    fault: 'user',
    exitCode: 1,
    hint: `a provider, plugin or resolver must return or throw, never end the process${caller ? `: remove the call at ${caller}` : ''}`,
  });
}

// A timer or callback that called process.exit, or threw, fails outside any step: the
// first such fault is kept and the run fails with it once nothing is left to do.
function onUncaught(e: unknown): void {
  if (isPctlError(e) && e.code === 'ModuleExited') return;
  // Someone else (a plugin's run) catches strays and names the plugin.
  if (process.listenerCount('uncaughtException') > 1) return;
  const { who, caller } = culprit(e instanceof Error ? (e.stack ?? '') : '');
  // An Error with no frame of a module: pctl's own code (or a library's) let it escape. A
  // non-Error has no stack: pctl throws none, so it goes to the step that is running.
  if (e instanceof Error ? !caller : !unsettledSteps().length) {
    attempt ??= new PctlError({
      code: 'InternalError',
      message: `an exception escaped: ${describeThrown(e)}`,
      fault: 'tool',
      exitCode: 1,
      detail: e instanceof Error ? e.stack : undefined,
    });
    return;
  }
  attempt ??= new PctlError({
    code: 'ModuleFailed',
    message: `${who} failed: a callback of its own threw: ${describeThrown(e)}`,
    fault: 'user',
    exitCode: 1,
    hint: caller
      ? `the throw is at ${caller}`
      : 'make it throw an Error from the verb itself, or handle it in the callback',
    detail: e instanceof Error ? e.stack : undefined,
  });
}

// Guards process.exit until the returned function is called.
export function guardExit(): () => void {
  if (on) return () => undefined;
  on = true;
  attempt = undefined;
  const refuse =
    (fn: 'exit' | 'reallyExit' | 'abort') =>
    (code?: unknown): never => {
      // A copy kept past the guard (signal-exit, which execa loads while a run spawns ssh,
      // restores the reallyExit it found when its last child ends) exits as the real one.
      if (!on) return (originals[fn] as (c?: unknown) => never)(code);
      const err = exitError(fn, code);
      attempt ??= err;
      throw err;
    };
  process.exit = refuse('exit') as typeof process.exit;
  (process as unknown as { reallyExit: Exit }).reallyExit = refuse('reallyExit') as Exit;
  process.abort = refuse('abort') as typeof process.abort;
  process.on('uncaughtException', onUncaught);
  return unguardExit;
}

function unguardExit(): void {
  if (!on) return;
  on = false;
  process.exit = originals.exit;
  (process as unknown as { reallyExit: Exit }).reallyExit = originals.reallyExit;
  process.abort = originals.abort;
  process.off('uncaughtException', onUncaught);
}

/** The first process.exit a module attempted, or exception a module's callback threw, while the guard was on. */
export function exitAttempt(): PctlError | undefined {
  return attempt;
}

// pctl's own exit (signals, a run that ran out of work): the guard goes first.
export function exitProcess(code: number): never {
  unguardExit();
  return originals.exit(code);
}
