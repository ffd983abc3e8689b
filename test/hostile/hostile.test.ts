// The hostile-input corpus: every case under ./cases runs the built CLI in a temp folder
// and must end with its expected exit code and message, within its time, leaving no lock.
import { execa } from 'execa';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pctlBin, tempDir } from '../helpers/cli.js';
import type { HostileCase } from './case.js';

const casesDir = fileURLToPath(new URL('./cases', import.meta.url));
const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.ts'))
  .sort();
const loaded = await Promise.all(
  files.map(async (f) => [f, ((await import(path.join(casesDir, f))) as { cases: HostileCase[] }).cases] as const),
);

function writeFiles(dir: string, c: HostileCase) {
  for (const [rel, body] of Object.entries(c.files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    if (typeof body === 'string') writeFileSync(file, body);
    else if ('fifo' in body) execFileSync('mkfifo', [file]);
    else if ('symlink' in body) symlinkSync(body.symlink, file);
    else {
      writeFileSync(file, body.content);
      chmodSync(file, body.mode);
    }
  }
}

async function run(c: HostileCase) {
  const tmp = tempDir('pctl-hostile-');
  try {
    writeFiles(tmp.dir, c);
    await c.before?.(tmp.dir);
    const child = execa(process.execPath, [pctlBin, ...c.argv], {
      cwd: tmp.dir,
      env: { NO_COLOR: '1', ...c.env },
      reject: false,
      input: '',
      timeout: c.timeoutMs ?? 60_000,
    });
    if (c.signal) {
      const sig = c.signal;
      let seen = '';
      child.stderr?.on('data', (d: Buffer) => {
        const before = seen;
        seen += String(d);
        if (!sig.waitFor.test(before) && sig.waitFor.test(seen)) child.kill(sig.name);
      });
    }
    const r = await child;
    const out = { exitCode: r.exitCode, timedOut: r.timedOut, stdout: String(r.stdout), stderr: String(r.stderr) };
    expect(out.timedOut, `${c.name}: pctl hung (killed after ${c.timeoutMs ?? 60_000} ms)`).toBe(false);
    expect(out.exitCode, `${c.name}: exit code\nstderr: ${out.stderr}\nstdout: ${out.stdout}`).toBe(c.exit);
    if (c.stderr) expect(out.stderr).toMatch(c.stderr);
    if (c.stdout) expect(out.stdout).toMatch(c.stdout);
    expect(out.stderr, 'no Node stack trace').not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    for (const s of c.never ?? []) expect(out.stdout + out.stderr, `${c.name}: "${s}" was printed`).not.toContain(s);
    const locks = readdirSync(tmp.dir).filter((f) => f.endsWith('.lock'));
    expect(locks, 'no lock file left behind').toEqual([]);
    await c.after?.(tmp.dir);
  } finally {
    await c.cleanup?.();
    tmp.cleanup();
  }
}

for (const [file, cases] of loaded) {
  describe(`hostile input: ${file.replace(/\.ts$/, '')}`, () => {
    for (const c of cases) it(c.name, () => run(c));
  });
}

it('the corpus holds at least 150 cases', () => {
  expect(loaded.reduce((n, [, c]) => n + c.length, 0)).toBeGreaterThanOrEqual(150);
});
