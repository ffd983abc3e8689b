// The import-cycle check on tiny trees built here: it fails on a cycle (also through a workspace
// package's name and a type-only import), passes without one, and fails when an allowed cycle is gone.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCycles } from './cycles.mjs';

const checker = fileURLToPath(new URL('./check-cycles.mjs', import.meta.url));
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pctl-cycles-'));
  dirs.push(root);
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), body);
  }
  return root;
}

// The check in this process (TypeScript loads once); the exit code is checked on the script itself below.
function check(root: string): { code: number; out: string } {
  const { lines, failed } = checkCycles(root);
  return { code: failed ? 1 : 0, out: lines.join('\n') };
}

function checkScript(root: string): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, [checker, '--root', root], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
}

const pkg = (name: string) =>
  JSON.stringify({ name, exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } });
const acyclic = {
  'packages/kit/package.json': pkg('@x/kit'),
  'packages/kit/src/index.ts': "export { a } from './a.js';\n",
  'packages/kit/src/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
  'packages/kit/src/b.ts': 'export const b = 1;\n',
  'packages/core/package.json': pkg('@x/core'),
  'packages/core/src/index.ts': "import { a } from '@x/kit';\nimport 'node:fs';\nexport const c = a;\n",
  'test/use.test.ts': "import { c } from '@x/core';\nimport { b } from '../packages/kit/src/b.js';\n",
};

describe('check-cycles', () => {
  it('passes a tree without a cycle, with exit code 0', () => {
    const r = checkScript(tree(acyclic));
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toContain('5 files, 0 import cycles');
  });

  it('fails on a cycle between two files and prints it from its smallest file, with exit code 1', () => {
    const r = checkScript(
      tree({ ...acyclic, 'packages/kit/src/b.ts': "import type { A } from './a.js';\nexport const b = 1;\n" }),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('cycle: packages/kit/src/a.ts -> packages/kit/src/b.ts -> packages/kit/src/a.ts');
  });

  it('follows a workspace package name to its source and prints every cycle of a tangle', () => {
    const r = check(
      tree({
        ...acyclic,
        'packages/kit/src/b.ts': "export { c } from '@x/core';\nimport('./a.js');\nexport const b = 1;\n",
      }),
    );
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => l.startsWith('cycle:'))).toEqual([
      'cycle: packages/core/src/index.ts -> packages/kit/src/index.ts -> packages/kit/src/a.ts -> packages/kit/src/b.ts -> packages/core/src/index.ts',
      'cycle: packages/kit/src/a.ts -> packages/kit/src/b.ts -> packages/kit/src/a.ts',
    ]);
  });

  it('lets an allowed cycle pass, and fails when an allowed cycle is gone', () => {
    const cycle = 'packages/kit/src/a.ts -> packages/kit/src/b.ts -> packages/kit/src/a.ts';
    const allowed = { 'scripts/cycles-allowed.txt': `# known\n${cycle}\n` };
    const withCycle = check(tree({ ...acyclic, ...allowed, 'packages/kit/src/b.ts': "import './a.js';\n" }));
    expect(withCycle).toMatchObject({ code: 0 });
    expect(withCycle.out).toContain(`cycle (allowed): ${cycle}`);
    const gone = check(tree({ ...acyclic, ...allowed }));
    expect(gone.code).toBe(1);
    expect(gone.out).toContain(`gone: ${cycle}`);
  });
});
