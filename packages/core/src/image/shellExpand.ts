// Variable expansion in one Dockerfile word, as Docker's shell lexer does it (moby/buildkit
// frontend/dockerfile/shell): `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}`,
// `${X+word}`, `${X:?msg}`, quotes removed, the escape character honoured. Anything it
// cannot decide (a variable whose value pctl cannot know, a form it does not model) is
// reported instead of guessed.

/** A variable whose value cannot be known before the build (e.g. set by a base image). */
export const UNKNOWN_VALUE: unique symbol = Symbol('unknown');

/** A variable's value: a string, `undefined` when unset, or UNKNOWN_VALUE. */
export type VariableLookup = (name: string) => string | undefined | typeof UNKNOWN_VALUE;

export type Expansion = { value: string } | { unknown: string };

class Unknowable extends Error {}

const isNameChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);

// Expands one word; `{ unknown }` says why its value cannot be known.
export function expandWord(word: string, lookup: VariableLookup, escape = '\\'): Expansion {
  const chars = [...word];
  let i = 0;
  const get = (name: string): string | undefined => {
    const v = lookup(name);
    if (v === UNKNOWN_VALUE) throw new Unknowable(`the value of $${name} is not known before the build`);
    return v;
  };

  const readName = (): string => {
    let name = '';
    if (chars[i] !== undefined && /[0-9]/.test(chars[i]!)) {
      // Positional parameters: `$1` is one digit, always empty in a Dockerfile.
      return chars[i++]!;
    }
    while (isNameChar(chars[i])) name += chars[i++];
    return name;
  };

  // `${...}` after the `${`.
  const braced = (): string => {
    const name = readName();
    if (!name) throw new Unknowable(`\${...} without a variable name`);
    if (chars[i] === '}') {
      i++;
      return get(name) ?? '';
    }
    let colon = false;
    if (chars[i] === ':') {
      colon = true;
      i++;
    }
    const mod = chars[i];
    if (mod !== '-' && mod !== '+' && mod !== '?')
      throw new Unknowable(`\${${name}${colon ? ':' : ''}${mod ?? ''}...} is a form pctl does not model`);
    i++;
    const wordValue = () => words('}');
    const v = get(name);
    const set = colon ? v !== undefined && v !== '' : v !== undefined;
    if (mod === '-') {
      const alt = wordValue();
      return set ? v! : alt;
    }
    if (mod === '+') {
      const alt = wordValue();
      return set ? alt : '';
    }
    wordValue();
    if (!set) throw new Unknowable(`\${${name}${colon ? ':' : ''}?} fails the build when ${name} is unset`);
    return v!;
  };

  const dollar = (): string => {
    i++; // the $
    if (chars[i] === '{') {
      i++;
      return braced();
    }
    const name = readName();
    if (!name) return '$';
    return get(name) ?? '';
  };

  // Reads until `stop` (consumed) or the end; quotes and escapes processed.
  const words = (stop?: string): string => {
    let out = '';
    while (i < chars.length) {
      const c = chars[i]!;
      if (stop && c === stop) {
        i++;
        return out;
      }
      if (c === "'") {
        i++;
        const end = chars.indexOf("'", i);
        if (end < 0) throw new Unknowable('an unterminated single quote');
        out += chars.slice(i, end).join('');
        i = end + 1;
      } else if (c === '"') {
        i++;
        for (;;) {
          if (i >= chars.length) throw new Unknowable('an unterminated double quote');
          const d = chars[i]!;
          if (d === '"') {
            i++;
            break;
          }
          if (d === escape) {
            const nx = chars[i + 1];
            if (nx === undefined) {
              i++;
              continue;
            }
            if (nx === '"' || nx === '$' || nx === escape) {
              out += nx;
              i += 2;
              continue;
            }
            out += d;
            i++;
            continue;
          }
          if (d === '$') out += dollar();
          else {
            out += d;
            i++;
          }
        }
      } else if (c === escape) {
        i++;
        if (i < chars.length) out += chars[i++];
      } else if (c === '$') {
        out += dollar();
      } else {
        out += c;
        i++;
      }
    }
    if (stop) throw new Unknowable(`a \${ without its closing }`);
    return out;
  };

  try {
    return { value: words() };
  } catch (e) {
    if (e instanceof Unknowable) return { unknown: e.message };
    throw e;
  }
}
