// How far references may expand a stack file: the caps, and the counting that enforces
// them without walking more than the cap allows (an expansion bomb stops early).

/** Most values (map entries, list items, scalars) `${self:...}` copies may add, in all. */
export const MAX_EXPANDED_VALUES = 200_000;
/** Longest string a reference may build, and most characters copies may add, in all. */
export const MAX_STRING = 1024 * 1024;
export const MAX_EXPANDED_CHARS = 16 * 1024 * 1024;
/** Largest `${file:...}` read. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Counts the values in `v`, stopping once past `limit` (then returns limit + 1). */
export function sizeWithin(v: unknown, limit: number): number {
  let n = 0;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (++n > limit) return n;
    // One push per child: spreading a list of 100,000 items would overflow the call stack.
    if (x && typeof x === 'object') for (const child of Array.isArray(x) ? x : Object.values(x)) stack.push(child);
  }
  return n;
}

/** Characters of the strings in `v` (keys too). */
export function charsOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + charsOf(x), 0);
  if (v && typeof v === 'object') return Object.entries(v).reduce((n, [k, x]) => n + k.length + charsOf(x), 0);
  return 0;
}
