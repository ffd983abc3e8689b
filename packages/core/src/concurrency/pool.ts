// Runs async jobs with a concurrency bound; the first failure aborts the rest.
export async function runPool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  parent?: AbortSignal,
): Promise<R[]> {
  const ac = new AbortController();
  const onParent = () => ac.abort(parent?.reason);
  parent?.addEventListener('abort', onParent, { once: true });
  const results: R[] = new Array(items.length);
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < items.length && !ac.signal.aborted) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, ac.signal);
      } catch (e) {
        if (firstError === undefined) firstError = e;
        ac.abort(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    parent?.removeEventListener('abort', onParent);
  }
  if (firstError !== undefined) throw firstError;
  return results;
}
