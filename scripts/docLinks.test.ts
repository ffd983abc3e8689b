// Every relative link in README.md, DEVELOPERS.md and docs/**.md leads to a file that exists,
// and to a heading of it when it names one: a page moved or a heading renamed fails here.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { anchors, brokenLinks, docFiles } from './docLinks.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pctl-doclinks-'));
  dirs.push(root);
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), body);
  }
  return root;
}

describe('documentation links', () => {
  it('every relative link in README.md, DEVELOPERS.md and docs/ leads somewhere', () => {
    const files = docFiles(repoRoot);
    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'DEVELOPERS.md', 'docs/README.md', 'docs/using/stack-file.md']),
    );
    expect(brokenLinks(repoRoot, files)).toEqual([]);
  });

  it('finds a link to a missing file, outside the tree, and to a missing heading', () => {
    const root = tree({
      'README.md': '[a](docs/a.md) [gone](docs/gone.md) [up](../x.md) [web](https://example.com/x.md)\n',
      'docs/a.md':
        '# A page\n\n## The `--json` flag, again\n\n[ok](#the---json-flag-again) [no](#nope) [b](sub/b.md#b-1) [dir](sub/)\n\n```\n[not a link](missing.md)\n```\n',
      'docs/sub/b.md': '# B\n\n# B\n\n[back](../a.md#a-page) [bad](../a.md#b)\n',
    });
    expect(brokenLinks(root, docFiles(root)).sort()).toEqual([
      'README.md: ../x.md (no such file)',
      'README.md: docs/gone.md (no such file)',
      'docs/a.md: #nope (no heading #nope in docs/a.md)',
      'docs/sub/b.md: ../a.md#b (no heading #b in docs/a.md)',
    ]);
  });

  it('slugs headings as GitHub does', () => {
    expect([
      ...anchors(
        '# Reliability: what pctl guarantees\n## 3. Prove it keeps the contract\n## Using pctl: [using/](using/)\n## Masking rule\n## Masking rule\n',
      ),
    ]).toEqual([
      'reliability-what-pctl-guarantees',
      '3-prove-it-keeps-the-contract',
      'using-pctl-using',
      'masking-rule',
      'masking-rule-1',
    ]);
  });
});
