// What a Dockerfile copies from its context: the sources of COPY/ADD (not --from, not URLs).
import { cleanPath } from './dockerignore.js';

export interface CopyInstruction {
  sources: string[];
  dest: string;
}

// Logical lines: continuations joined, comments and parser directives dropped.
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let cur = '';
  let escape = '\\';
  const m = /^#\s*escape\s*=\s*(\S)/im.exec(text.split('\n').slice(0, 5).join('\n'));
  if (m) escape = m[1]!;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (!cur && /^\s*#/.test(line)) continue;
    if (line.endsWith(escape)) {
      cur += line.slice(0, -1) + ' ';
      continue;
    }
    cur += line;
    if (cur.trim()) lines.push(cur.trim());
    cur = '';
  }
  if (cur.trim()) lines.push(cur.trim());
  return lines;
}

export function parseCopies(dockerfile: string): CopyInstruction[] {
  const out: CopyInstruction[] = [];
  for (const line of logicalLines(dockerfile)) {
    const m = /^(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    let rest = m[2]!.trim();
    let fromStage = false;
    // Flags: --from, --chown, --chmod, --link, --parents, --exclude, --keep-git-dir, --checksum.
    while (rest.startsWith('--')) {
      const flag = /^--(\S+)\s*/.exec(rest)!;
      if (/^from=/i.test(flag[1]!)) fromStage = true;
      rest = rest.slice(flag[0].length);
    }
    if (fromStage) continue;
    let args: string[];
    if (rest.startsWith('[')) {
      try {
        args = JSON.parse(rest) as string[];
      } catch {
        args = rest.split(/\s+/);
      }
    } else {
      args = rest.split(/\s+/);
    }
    if (args.length < 2) continue;
    const dest = args[args.length - 1]!;
    const sources = args.slice(0, -1).filter((s) => !/^(https?:\/\/|git@|<<)/.test(s));
    if (sources.length) out.push({ sources, dest });
  }
  return out;
}

// Glob (Go's filepath.Match) to regex: `*` and `?` stay within one folder.
function globRegex(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += /[.+^${}()|/]/.test(c) ? `\\${c}` : c;
  }
  try {
    return new RegExp(re + '$');
  } catch {
    return /(?!)/;
  }
}

// The context files a Dockerfile copies; everything for `COPY .`.
export function copiedFiles(dockerfile: string, contextFiles: string[]): string[] {
  const copies = parseCopies(dockerfile);
  const sources = copies.flatMap((c) => c.sources).map((s) => cleanPath(s.replace(/^\/+/, '')));
  if (sources.some((s) => s === '.' || s === '')) return contextFiles;
  const matchers = sources.map((s) => ({ exact: s, re: globRegex(s) }));
  return contextFiles.filter((f) => {
    const parts = f.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (matchers.some((m) => m.exact === prefix || m.re.test(prefix))) return true;
    }
    return false;
  });
}

// `COPY src /abs/dest` pairs, for live sync of folders into running containers.
export function syncPairs(dockerfile: string): { source: string; dest: string }[] {
  return parseCopies(dockerfile)
    .filter((c) => c.dest.startsWith('/') && c.sources.length === 1 && !/[*?[]/.test(c.sources[0]!))
    .map((c) => ({ source: cleanPath(c.sources[0]!), dest: c.dest }));
}

// Applies an ENTRYPOINT override in memory: appended, so it wins in the final stage.
export function withEntrypoint(dockerfile: string, entrypoint: string[] | undefined): string {
  if (!entrypoint) return dockerfile;
  return `${dockerfile.replace(/\s*$/, '')}\nENTRYPOINT ${JSON.stringify(entrypoint)}\n`;
}
