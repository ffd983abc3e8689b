// DEVELOPERS.md's map against the tree: every folder the map must name (each top-level folder
// of packages/*/src, providers/*, test/*, docs/*, and scripts, bench, schemas, examples, docs)
// is named exactly once in the map's first column, and every folder it names exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const dirs = (root, rel) =>
  existsSync(path.join(root, rel))
    ? readdirSync(path.join(root, rel), { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name !== 'node_modules' && e.name !== 'dist' && !e.name.startsWith('.'))
        .map((e) => path.posix.join(rel, e.name))
        .sort()
    : [];

/** The folders the map must name. */
export function requiredFolders(root) {
  const out = [];
  for (const pkg of dirs(root, 'packages')) {
    if (!existsSync(path.join(root, pkg, 'src'))) continue;
    out.push(`${pkg}/src`, ...dirs(root, `${pkg}/src`));
  }
  out.push(...dirs(root, 'providers'), ...dirs(root, 'test'));
  for (const top of ['scripts', 'bench', 'schemas', 'examples', 'docs'])
    if (existsSync(path.join(root, top))) out.push(top);
  out.push(...dirs(root, 'docs'));
  return out;
}

/** The paths in backticks in the first column of the table under "## The map". */
export function mapEntries(developersMd) {
  const start = developersMd.indexOf('\n## The map\n');
  if (start < 0) return [];
  const rest = developersMd.slice(start + 1);
  const end = rest.indexOf('\n## ', 1);
  const section = end < 0 ? rest : rest.slice(0, end);
  const out = [];
  for (const line of section.split('\n')) {
    const cell = /^\|([^|]*)\|/.exec(line)?.[1];
    if (!cell || /^\s*-+\s*$/.test(cell)) continue;
    for (const m of cell.matchAll(/`([^`]+)`/g)) out.push(m[1].replace(/\/$/, ''));
  }
  return out;
}

/** What is wrong with the map, one line each (empty when it matches the tree). */
export function mapProblems(root) {
  const entries = mapEntries(readFileSync(path.join(root, 'DEVELOPERS.md'), 'utf8'));
  const problems = [];
  for (const folder of requiredFolders(root)) {
    const n = entries.filter((e) => e === folder).length;
    if (n === 0) problems.push(`${folder}: missing from the map in DEVELOPERS.md`);
    if (n > 1) problems.push(`${folder}: named ${n} times in the map`);
  }
  for (const e of entries) {
    if (!existsSync(path.join(root, e)) || !statSync(path.join(root, e)).isDirectory())
      problems.push(`${e}: in the map, but no such folder`);
  }
  return problems;
}
