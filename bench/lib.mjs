// What every bench part uses: timing, running a command, the CLI's path, the machine line.
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const pctl = path.join(root, 'packages/cli/bin/pctl.js');

// The middle value (the mean of the two middle ones for an even count).
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const ms = (n) => `${n.toFixed(0)} ms`;
export const secs = (n) => `${(n / 1000).toFixed(1)} s`;

// Median wall time of `runs` calls of a synchronous fn, in ms.
export function time(fn, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}

// Medians (ms) of two fns timed in turns (a, b, a, b, ...): drift on the machine during the
// runs weighs on both alike, so their ratio is the figure to read.
export function timePaired(a, b, runs) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < runs; i++) {
    for (const [fn, out] of [
      [a, ta],
      [b, tb],
    ]) {
      const t = process.hrtime.bigint();
      fn();
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  return [median(ta), median(tb)];
}

// Wall time of one async fn, in ms.
export async function timeAsync(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// Runs a command (an argument array), throwing with its stderr when it fails.
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr ?? r.error}`);
  return r;
}

// The same without blocking the event loop (for commands run several at once); stdout is
// discarded unless asked for, as a script's would scroll by.
export function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', opts.stdout ? 'pipe' : 'ignore', 'pipe'],
      cwd: opts.cwd,
      env: opts.env,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.trim()}`)),
    );
  });
}

// Runs fn over items, at most `limit` at once.
export async function pool(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

// A name no concurrent run on the shared engine uses.
export const uniqueName = (prefix) => `${prefix}-${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
