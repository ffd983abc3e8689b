// Ctrl-C and SIGTERM: the first stops new work (running steps finish, state is written),
// a second exits at once.
export interface Interrupts {
  signal: AbortSignal;
  dispose(): void;
}

// Installs the SIGINT/SIGTERM handlers; `signal` aborts on the first one.
export function installInterruptHandlers(): Interrupts {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\n${sig}: finishing running steps, starting nothing new (press again to abort at once)\n`);
      controller.abort(new Error(sig));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
