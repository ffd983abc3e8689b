// How deep a YAML text nests, found before the YAML library parses it: its parser recurses
// and overflows the stack on deep nesting (`Maximum call stack size exceeded`).

/**
 * The line where nesting first passes `max` levels, scanning the text before the YAML library
 * sees it (its parser recurses and overflows the stack on deep nesting). Counts block
 * indentation, `- ` runs and flow brackets outside quoted scalars; an upper bound.
 */
export function tooDeepAt(text: string, max: number): number | undefined {
  const lines = text.split('\n');
  const indents: number[] = [];
  let flow = 0;
  let base = 0;
  let quote: '"' | "'" | undefined;
  let blockScalarIndent = -1;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!;
    let i = 0;
    if (flow === 0 && !quote) {
      const indent = line.length - line.trimStart().length;
      const rest = line.slice(indent);
      if (blockScalarIndent >= 0) {
        if (rest === '' || indent > blockScalarIndent) continue;
        blockScalarIndent = -1;
      }
      if (rest === '' || rest.startsWith('#')) continue;
      if (indent === 0 && /^(---|\.\.\.)(\s|$)/.test(rest)) {
        indents.length = 0;
        continue;
      }
      while (indents.length && indents.at(-1)! >= indent) indents.pop();
      indents.push(indent);
      const dashes = /^(-(\s+|$))*/.exec(rest)![0];
      const depth = indents.length + (dashes.match(/-/g)?.length ?? 0);
      if (depth > max) return ln + 1;
      // Where this line's value starts: after the dashes, and after `key:` when there is one.
      let v = indent + dashes.length;
      const kv = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^#'"{[][^#]*?)\s*:(\s+|$)/.exec(line.slice(v));
      if (kv) v += kv[0].length;
      const c = line[v];
      if (c === '|' || c === '>') blockScalarIndent = indent;
      else if (c === '[' || c === '{') {
        base = depth;
        i = v;
      } else if (c === '"' || c === "'") {
        quote = c;
        i = v + 1;
      } else continue;
    }
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) {
          if (quote === "'" && line[i + 1] === "'") i++;
          else quote = undefined;
        }
        if (!quote && flow === 0) break;
        continue;
      }
      if (flow === 0 && c !== '[' && c !== '{') break;
      if (c === '"' || c === "'") {
        if (/[[{,:\s]/.test(line[i - 1] ?? ' ')) quote = c;
      } else if (c === '#' && /\s/.test(line[i - 1] ?? ' ')) break;
      else if (c === '[' || c === '{') {
        if (base + ++flow > max) return ln + 1;
      } else if (c === ']' || c === '}') {
        if (--flow <= 0) {
          flow = 0;
          break;
        }
      }
    }
  }
  return undefined;
}
