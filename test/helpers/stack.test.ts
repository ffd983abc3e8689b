// useStack(): the folder with its files exists in hooks and tests, one per file or one per test, and
// is gone after them.
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { useStack } from './stack.js';

const seen: string[] = [];
afterAll(() => {
  expect(seen).toHaveLength(4);
  for (const dir of seen) expect(existsSync(dir), dir).toBe(false);
});

describe('one folder for the block', () => {
  const stack = useStack({ files: { 'pctl.yaml': 'name: a\n', 'app/Dockerfile': 'FROM scratch\n' } });
  let early = '';
  try {
    early = stack.dir;
  } catch (e) {
    early = (e as Error).message;
  }
  it('does not exist while the tests are collected', () => {
    expect(early).toBe('useStack(): the stack folder exists only inside hooks and tests');
  });
  it('holds the files given', () => {
    seen.push(stack.dir);
    expect(stack.read('pctl.yaml')).toBe('name: a\n');
    expect(stack.read('app/Dockerfile')).toBe('FROM scratch\n');
    stack.write({ 'later.txt': 'x' });
  });
  it('is the same folder in the next test, with what it wrote', () => {
    expect(stack.dir).toBe(seen[0]);
    expect(existsSync(stack.path('later.txt'))).toBe(true);
  });
});

describe('a folder for each test', () => {
  const stack = useStack({ each: true, files: (dir) => ({ 'where.txt': dir }) });
  it('is fresh', () => {
    seen.push(stack.dir);
    expect(stack.read('where.txt')).toBe(stack.dir);
    stack.write({ 'mine.txt': '1' });
  });
  it('is fresh again, without the last test files', () => {
    seen.push(stack.dir);
    expect(stack.dir).not.toBe(seen[1]);
    expect(existsSync(seen[1]!)).toBe(false);
    expect(existsSync(stack.path('mine.txt'))).toBe(false);
  });
});

describe('an example', () => {
  const stack = useStack({ example: 'hello' });
  it('is copied, and its copy is the stack folder', () => {
    seen.push(stack.dir);
    expect(stack.dir.endsWith('/hello')).toBe(true);
    expect(stack.read('pctl.yaml')).toMatch(/^name: hello$/m);
  });
});
