// Relative markdown links that lead nowhere: every `[text](target)` outside code in the given
// markdown files must name an existing file or folder, and its `#anchor`, when the target is
// a markdown file, one of that file's headings (GitHub's slugs).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The markdown files the docs are made of: README.md, DEVELOPERS.md and docs/**.md. */
export function docFiles(root) {
  const out = ['README.md', 'DEVELOPERS.md'].filter((f) => existsSync(path.join(root, f)));
  const walk = (dir) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  if (existsSync(path.join(root, 'docs'))) walk('docs');
  return out;
}

// Text outside fenced code blocks and inline code spans.
function prose(text) {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '``');
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered.
export function anchors(markdown) {
  const seen = new Map();
  const out = new Set();
  for (const m of prose(markdown.replace(/`([^`\n]*)`/g, '$1')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}_\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Broken links in `files` (paths relative to `root`), as "file: target (why)". */
export function brokenLinks(root, files) {
  const broken = [];
  const anchorsOf = new Map();
  for (const file of files) {
    const text = prose(readFileSync(path.join(root, file), 'utf8'));
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const hash = target.indexOf('#');
      const rel = decodeURI(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const dest = rel ? path.posix.normalize(path.posix.join(path.posix.dirname(file), rel)) : file;
      if (dest.startsWith('../') || !existsSync(path.join(root, dest))) {
        broken.push(`${file}: ${target} (no such file)`);
        continue;
      }
      if (anchor === undefined || !dest.endsWith('.md') || statSync(path.join(root, dest)).isDirectory()) continue;
      if (!anchorsOf.has(dest)) anchorsOf.set(dest, anchors(readFileSync(path.join(root, dest), 'utf8')));
      if (!anchorsOf.get(dest).has(anchor)) broken.push(`${file}: ${target} (no heading #${anchor} in ${dest})`);
    }
  }
  return broken;
}
