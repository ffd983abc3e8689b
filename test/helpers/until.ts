// Waiting for a condition in a test: polls it until it holds or a deadline passes, and then fails
// naming what it waited for (a test waits for the condition it needs, never for a fixed time).

export interface UntilOptions {
  /** Give up after this long (default 30 s: long enough for a busy 2-core machine). */
  timeoutMs?: number;
  /** Pause between two checks (default 100 ms). */
  intervalMs?: number;
  /** A reason to stop waiting at once (the process that should answer died), or undefined to go on. */
  giveUpIf?: () => string | undefined;
  /** What to add to a failure: a log tail, the last state seen. */
  detail?: () => string;
}

// Resolves with the first value of `check` that is not false, null or undefined; a check that throws counts
// as not yet (its last error is in the failure). `what` completes "waiting for ...".
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  options: UntilOptions = {},
): Promise<Exclude<T, false | null | undefined>> {
  const { timeoutMs = 30_000, intervalMs = 100, giveUpIf, detail } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined)
        return value as Exclude<T, false | null | undefined>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    const reason = giveUpIf?.();
    if (reason !== undefined) throw new Error(failure(`gave up waiting for ${what}: ${reason}`, lastError, detail));
    if (Date.now() >= deadline)
      throw new Error(failure(`timed out after ${timeoutMs} ms waiting for ${what}`, lastError, detail));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function failure(head: string, lastError: unknown, detail?: () => string): string {
  const last =
    lastError === undefined
      ? ''
      : ` (last check threw: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
  const more = detail?.();
  return `${head}${last}${more ? `\n${more}` : ''}`;
}
