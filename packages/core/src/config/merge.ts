// How an environment's partial stack lays over the base: maps deep-merged, lists (and every
// other value) replaced, `null` removes the key. `fromOverlay` says which layer a path's
// merged value came from, so an error is reported where its value is written.

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string | number) => Object.prototype.hasOwnProperty.call(o, k);

/** `overlay` merged over `base` (neither is changed): maps merge key by key, anything else replaces, null removes. */
export function mergeOver(base: unknown, overlay: unknown): unknown {
  if (!isMap(base) || !isMap(overlay)) return structuredClone(overlay);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else out[k] = own(base, k) ? mergeOver(base[k], v) : structuredClone(v);
  }
  return out;
}

/** Whether the merged value at `p` is the overlay's (a map key it sets, or anything under a list or scalar it sets). */
export function fromOverlay(overlay: unknown, p: readonly (string | number)[]): boolean {
  let cur = overlay;
  for (const k of p) {
    if (!isMap(cur)) return cur !== undefined;
    if (!own(cur, k)) return false;
    cur = cur[k];
  }
  return true;
}
