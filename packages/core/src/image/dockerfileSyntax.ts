// A Dockerfile split into instructions as Docker's parser splits it: parser directives at
// the top, continuation lines joined (with the escape character), comment and blank lines
// inside a continuation dropped, heredoc bodies (`<<EOF` ... `EOF`) taken off the lines.
// What the parser meets that pctl cannot model exactly is listed in `doubts`.

export interface Instruction {
  /** Upper-case keyword: FROM, COPY, ... */
  keyword: string;
  /** Everything after the keyword, continuations joined. */
  args: string;
  /** 1-based line of the keyword, and the last line of the instruction (heredocs included). */
  line: number;
  endLine: number;
  /** A comment line sat inside the continued instruction. */
  commentInside: boolean;
  heredocs: { word: string; body: string }[];
}

export interface ParsedDockerfile {
  instructions: Instruction[];
  /** Parser directives (`# syntax=...`, `# escape=...`), names lower-cased. */
  directives: Record<string, string>;
  escape: string;
  /** Places where the text cannot be read exactly as Docker would, with their line. */
  doubts: { line: number; why: string }[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC = /(?:^|\s)<<(-?)(["']?)([A-Za-z0-9_.-]+)\2/g;

// Splits Dockerfile text into instructions.
export function parseDockerfile(text: string): ParsedDockerfile {
  // Docker drops a UTF-8 byte-order mark before parsing.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Record<string, string> = {};
  const doubts: ParsedDockerfile['doubts'] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const name = m[1]!.toLowerCase();
    if (name in directives) break;
    directives[name] = m[2]!;
  }
  const escape = directives.escape === '`' ? '`' : '\\';
  const escRe = escape === '\\' ? '\\\\' : '`';
  const continued = new RegExp(`${escRe}[ \\t]*$`);
  const instructions: Instruction[] = [];
  while (i < lines.length) {
    const start = lines[i]!.replace(/^[ \t]+/, '');
    if (!start || start.startsWith('#')) {
      i++;
      continue;
    }
    const line = i + 1;
    let cur = '';
    let text = start;
    let commentInside = false;
    for (;;) {
      if (!continued.test(text)) {
        cur += text;
        break;
      }
      cur += text.replace(continued, '');
      i++;
      // Blank and comment lines inside a continuation are skipped, as Docker's parser does.
      while (i < lines.length) {
        const nx = lines[i]!.replace(/^[ \t]+/, '');
        if (nx.startsWith('#')) commentInside = true;
        else if (nx.trim()) break;
        i++;
      }
      if (i >= lines.length) break;
      text = lines[i]!.replace(/^[ \t]+/, '');
    }
    i++;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(cur.trim())!;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    const heredocs: Instruction['heredocs'] = [];
    if (HEREDOC_KEYWORDS.has(keyword) && !args.startsWith('[')) {
      for (const h of args.matchAll(HEREDOC)) {
        const stripTabs = h[1] === '-';
        const word = h[3]!;
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const raw = lines[i++]!;
          const cmp = stripTabs ? raw.replace(/^\t+/, '') : raw;
          if (cmp === word) {
            closed = true;
            break;
          }
          body.push(cmp);
        }
        if (!closed) doubts.push({ line, why: `the heredoc <<${word} is never closed` });
        heredocs.push({ word, body: body.join('\n') });
      }
    }
    instructions.push({ keyword, args, line, endLine: i, commentInside, heredocs });
  }
  return { instructions, directives, escape, doubts };
}

// Splits an instruction's leading `--flag[=value]` words off its arguments.
export function splitFlags(args: string): { flags: { name: string; value?: string }[]; rest: string } {
  const flags: { name: string; value?: string }[] = [];
  let rest = args;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    flags.push({ name: m[1]!.toLowerCase(), value: m[2] });
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

// An instruction's words: a JSON array of strings when it is one, else split on whitespace.
export function instructionWords(rest: string): { words: string[]; json: boolean } {
  if (rest.startsWith('[')) {
    try {
      const v = JSON.parse(rest) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { words: v as string[], json: true };
    } catch {
      /* not JSON: Docker reads it as plain words */
    }
  }
  return { words: rest.split(/\s+/).filter(Boolean), json: false };
}
