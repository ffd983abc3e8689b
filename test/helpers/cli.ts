// Runs the built `pctl` CLI as a user would, in a temp folder made by the test.
import { execa } from 'execa';
import { mkdtempSync, rmSync, cpSync, writeFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const pctlBin = path.join(repoRoot, 'packages/cli/bin/pctl.js');

export interface PctlRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function pctl(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; input?: string; timeout?: number },
): Promise<PctlRun> {
  const r = await execa(process.execPath, [pctlBin, ...args], {
    cwd: opts.cwd,
    env: { NO_COLOR: '1', ...opts.env },
    reject: false,
    input: opts.input ?? '',
    timeout: opts.timeout ?? 300_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function tempDir(prefix = 'pctl-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Writes a tree of files: { 'a/b.txt': 'text' }.
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, body] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
  }
}

export function copyExample(name: string, to: string): string {
  const dest = path.join(to, name);
  cpSync(path.join(repoRoot, 'examples', name), dest, { recursive: true });
  return dest;
}

// Runs pctl while sampling every process's command line: `argvLeak` lists those that
// carried `secret` (a password or token must go on stdin, never in argv).
export async function pctlWatchingArgv(
  args: string[],
  opts: Parameters<typeof pctl>[1],
  secret: string,
): Promise<PctlRun & { argvLeak: string[] }> {
  const leaks = new Set<string>();
  let done = false;
  const watch = (async () => {
    while (!done) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        let cmd = '';
        try {
          cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        } catch {
          continue;
        }
        if (cmd.includes(secret)) leaks.add(cmd);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const r = await pctl(args, opts);
  done = true;
  await watch;
  return { ...r, argvLeak: [...leaks] };
}

// Runs pctl in `dir` with a module-resolution hook that records every module it loads:
// resolves with the run and the loaded modules' URLs, one per line.
export async function pctlLoading(args: string[], dir: string): Promise<PctlRun & { loaded: string }> {
  const trace = path.join(dir, '.pctl-module-trace.txt');
  writeTree(dir, {
    '.pctl-trace-hooks.mjs':
      "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.PCTL_TRACE, r.url + '\\n'); return r; }\n",
    // ES modules through the resolve hook; CommonJS ones (require) from the require cache at exit.
    '.pctl-trace-register.mjs':
      "import { register, createRequire } from 'node:module';\nimport { appendFileSync } from 'node:fs';\nimport { pathToFileURL } from 'node:url';\n" +
      "register('./.pctl-trace-hooks.mjs', import.meta.url);\n" +
      'const cache = createRequire(import.meta.url).cache;\n' +
      "process.on('exit', () => appendFileSync(process.env.PCTL_TRACE, Object.keys(cache).map((f) => pathToFileURL(f).href + '\\n').join('')));\n",
  });
  writeFileSync(trace, '');
  const r = await pctl(args, {
    cwd: dir,
    env: { PCTL_TRACE: trace, NODE_OPTIONS: `--import ${path.join(dir, '.pctl-trace-register.mjs')}` },
  });
  return { ...r, loaded: readFileSync(trace, 'utf8') };
}
