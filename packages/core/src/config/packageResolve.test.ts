// Package names as `import` resolves them: exports with conditions and subpath patterns,
// main and index.js without exports, the nearest node_modules up the folders, nothing outside.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePackage, resolvePackageImport } from './packageResolve.js';

let dir: string;
const write = (files: Record<string, string>) => {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
};
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-pkg-'));
  write({
    'node_modules/esm-only/package.json': JSON.stringify({ exports: { import: './i.mjs', require: './r.cjs' } }),
    'node_modules/esm-only/i.mjs': '',
    'node_modules/esm-only/r.cjs': '',
    'node_modules/patterns/package.json': JSON.stringify({
      exports: { '.': './main.js', './plugins/*': { node: './lib/*.js' }, './escape': '../../outside.js' },
    }),
    'node_modules/patterns/main.js': '',
    'node_modules/patterns/lib/a.js': '',
    'node_modules/plain/package.json': JSON.stringify({ main: 'lib/entry' }),
    'node_modules/plain/lib/entry.js': '',
    'node_modules/bare/package.json': '{}',
    'node_modules/bare/index.js': '',
    'outside.js': '',
    'deep/er/stack/.keep': '',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resolvePackageImport', () => {
  it('takes the import condition, subpath patterns, main and index.js, from a folder below', () => {
    const from = path.join(dir, 'deep/er/stack');
    expect(resolvePackageImport('esm-only', from)).toBe(path.join(dir, 'node_modules/esm-only/i.mjs'));
    expect(resolvePackageImport('patterns', from)).toBe(path.join(dir, 'node_modules/patterns/main.js'));
    expect(resolvePackageImport('patterns/plugins/a', from)).toBe(path.join(dir, 'node_modules/patterns/lib/a.js'));
    expect(resolvePackageImport('plain', from)).toBe(path.join(dir, 'node_modules/plain/lib/entry.js'));
    expect(resolvePackageImport('bare', from)).toBe(path.join(dir, 'node_modules/bare/index.js'));
  });

  it('finds nothing a package does not export, nor a target outside it, nor a missing package', () => {
    expect(resolvePackageImport('patterns/main.js', dir)).toBeUndefined();
    expect(resolvePackageImport('patterns/escape', dir)).toBeUndefined();
    expect(resolvePackageImport('nowhere', dir)).toBeUndefined();
    expect(() => resolvePackage('nowhere', dir)).toThrow(/Cannot find module 'nowhere'/);
  });
});
