// DEVELOPERS.md's map names every folder of the tree once, and only folders that exist: a new
// folder under packages/*/src, providers/, test/ or docs/ fails here until the map says what it is.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { mapEntries, mapProblems, requiredFolders } from './developersMap.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const map = (rows: string[]) =>
  `# Developing\n\n## The map\n\n| where | what |\n|---|---|\n${rows.map((r) => `| ${r} | it |`).join('\n')}\n\n## Next\n\n| \`not/the/map\` | x |\n`;

describe("DEVELOPERS.md's map", () => {
  it('names every folder of the tree once, and no folder that is gone', () => {
    const required = requiredFolders(repoRoot);
    expect(required).toEqual(
      expect.arrayContaining([
        'packages/core/src',
        'packages/core/src/engine',
        'providers/docker',
        'test/e2e',
        'test/helpers',
        'docs/using',
      ]),
    );
    expect(mapProblems(repoRoot)).toEqual([]);
  });

  it('finds a folder missing from the map, one named twice, and one that is gone', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'pctl-devmap-'));
    dirs.push(root);
    for (const d of [
      'packages/core/src/config',
      'packages/core/src/state',
      'providers/docker/src',
      'test/e2e',
      'test/helpers',
      'docs/using',
      'scripts',
    ])
      mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(
      path.join(root, 'DEVELOPERS.md'),
      map([
        '`packages/core/src`',
        '`packages/core/src/config`',
        '`providers/docker`, `test/e2e`',
        '`test/e2e`',
        '`test/gone`',
        '`docs`',
        '`docs/using/`',
        '`scripts`',
      ]),
    );
    expect(mapEntries(readFileSync(path.join(root, 'DEVELOPERS.md'), 'utf8'))).not.toContain('not/the/map');
    expect(mapProblems(root)).toEqual([
      'packages/core/src/state: missing from the map in DEVELOPERS.md',
      'test/e2e: named 2 times in the map',
      'test/helpers: missing from the map in DEVELOPERS.md',
      'test/gone: in the map, but no such folder',
    ]);
  });
});
