// Ctrl-C and SIGTERM: holding no lock, pctl has changed nothing and stops at once; else the
// first signal stops new work (running steps finish, state is written), a second exits at
// once after removing the locks it holds. The handlers stay for the whole process.
import type * as Core from '@pctl/core';

export interface Interrupts {
  signal: AbortSignal;
  /** Set by a command that ends itself on the interrupt (`sync` stops watching, exit 0). */
  setWatching(on: boolean): void;
}

// Exits past the guard that stops providers from ending the process.
const exit = (c: typeof Core | undefined, code: number): never => (c ? c.exitProcess(code) : process.exit(code));

// Installs the SIGINT/SIGTERM handlers; `signal` aborts on the first one.
export function installInterruptHandlers(core: () => typeof Core | undefined): Interrupts {
  const controller = new AbortController();
  let count = 0;
  let watching = false;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    const c = core();
    // A hung resolver or plugin must not make Ctrl-C wait when nothing needs finishing.
    if (!watching && (!c || c.heldLockCount() === 0)) {
      process.stderr.write(`\n${sig}: interrupted\n`);
      exit(c, 130);
    }
    if (count === 1) {
      process.stderr.write(`\n${sig}: finishing running steps, starting nothing new (press again to abort at once)\n`);
      controller.abort(new Error(sig));
    } else {
      process.stderr.write(`${sig}: interrupted\n`);
      c?.releaseHeldLocksSync();
      exit(c, 130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: controller.signal, setWatching: (on) => (watching = on) };
}
