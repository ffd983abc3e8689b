// A stack in a temp folder for the tests of a file (or of each test): its stack file and other files
// written before the tests, the folder removed after them; `pctl` runs the built CLI there.
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { pctl, repoRoot, tempDir, writeTree, type PctlRun } from './cli.js';

export interface StackOptions {
  /** Files to write (relative paths; `pctl.yaml` is the stack file), or a function of the folder. */
  files?: Record<string, string> | ((dir: string) => Record<string, string>);
  /** An example under examples/ to copy first: the stack's folder is then the copy. */
  example?: string;
  /** Temp folder name prefix. */
  prefix?: string;
  /** A fresh folder for every test (beforeEach/afterEach) instead of one for the file or describe block. */
  each?: boolean;
}

export interface TestStack {
  /** The stack's folder (only inside hooks and tests: it is made before them). */
  readonly dir: string;
  /** A path inside the stack's folder. */
  path(rel: string): string;
  write(files: Record<string, string>): void;
  read(rel: string): string;
  /** Runs the built pctl with the stack's folder as its working directory. */
  pctl(args: string[], opts?: Omit<Parameters<typeof pctl>[1], 'cwd'>): Promise<PctlRun>;
}

// Registers the hooks that make and remove the folder where it is called (a file or a describe block).
export function useStack(options: StackOptions = {}): TestStack {
  let current: { dir: string; cleanup: () => void } | undefined;
  let dir: string | undefined;
  const folder = () => {
    if (!dir) throw new Error('useStack(): the stack folder exists only inside hooks and tests');
    return dir;
  };
  const make = () => {
    current = tempDir(options.prefix);
    dir = current.dir;
    if (options.example) {
      dir = path.join(current.dir, options.example);
      cpSync(path.join(repoRoot, 'examples', options.example), dir, { recursive: true });
    }
    const files = typeof options.files === 'function' ? options.files(dir) : options.files;
    if (files) writeTree(dir, files);
  };
  const remove = () => {
    current?.cleanup();
    current = dir = undefined;
  };
  if (options.each) {
    beforeEach(make);
    afterEach(remove);
  } else {
    beforeAll(make);
    afterAll(remove);
  }
  return {
    get dir() {
      return folder();
    },
    path: (rel) => path.join(folder(), rel),
    write: (files) => writeTree(folder(), files),
    read: (rel) => readFileSync(path.join(folder(), rel), 'utf8'),
    pctl: (args, opts = {}) => pctl(args, { ...opts, cwd: folder() }),
  };
}
