// Take-over of a stale lock by many separate processes at once: exactly one wins, every
// round. The takers are real Node processes (the built lock module), released together
// at one instant, so their inspect/remove/create steps interleave as they would in life.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAKERS = 16;
const ROUNDS = 40;
const lockModule = fileURLToPath(new URL('../../dist/state/lock.js', import.meta.url));

// Each taker: on "go <t>" spins until wall-clock t, takes the lock once (no waiting) and
// says "won" or "lost <code>"; on "release" lets go of what it holds.
const takerSource = `
import { acquireLock } from ${JSON.stringify(lockModule)};
import { createInterface } from 'node:readline';
const stateFile = process.argv[1];
let held;
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, at] = line.split(' ');
  if (cmd === 'go') {
    while (Date.now() < Number(at)) {}
    try { held = await acquireLock(stateFile, { wait: false, command: 'race' }); console.log('won'); }
    catch (e) { console.log('lost ' + (e.code ?? e.message)); }
  } else if (cmd === 'release') {
    if (held) await held.release();
    held = undefined;
    console.log('released');
  }
}
`;

interface Taker {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

let dir: string;
let takers: Taker[] = [];

function startTaker(stateFile: string): Taker {
  const child = spawn(process.execPath, ['--input-type=module', '-e', takerSource, stateFile], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => (waiters.length ? waiters.shift()!(l) : lines.push(l)));
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.on('exit', (code) => {
    while (waiters.length) waiters.shift()!(`exited ${code}: ${stderr}`);
  });
  return { child, next: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((r) => waiters.push(r))) };
}

const send = (t: Taker, line: string) => t.child.stdin.write(line + '\n');

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-lock-race-'));
});
afterAll(() => {
  for (const t of takers) t.child.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('stale lock take-over', () => {
  it(`${TAKERS} processes taking over one stale lock: exactly one holder, ${ROUNDS} rounds`, async () => {
    const stateFile = path.join(dir, 'pctl.race.json');
    const lockFile = `${stateFile}.lock`;
    // A pid that surely is dead: a process that already exited.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid!;
    await new Promise((r) => dead.on('exit', r));
    takers = Array.from({ length: TAKERS }, () => startTaker(stateFile));
    const stalePids = [deadPid, 0, -1];
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const pid = stalePids[round % stalePids.length];
      writeFileSync(
        lockFile,
        JSON.stringify({ pid, host: os.hostname(), command: 'deploy', startedAt: `round ${round}` }) + '\n',
      );
      const at = Date.now() + 150;
      for (const t of takers) send(t, `go ${at}`);
      const results = await Promise.all(takers.map((t) => t.next()));
      const won = results.filter((r) => r === 'won').length;
      const unexpected = results.filter((r) => r !== 'won' && r !== 'lost LockHeld');
      expect(unexpected, `round ${round}`).toEqual([]);
      winners.push(won);
      expect(won, `round ${round} (stale pid ${pid}): ${results.join(', ')}`).toBe(1);
      for (const t of takers) send(t, 'release');
      expect(await Promise.all(takers.map((t) => t.next()))).toEqual(takers.map(() => 'released'));
    }
    expect(winners).toEqual(Array(ROUNDS).fill(1));
    // No guard or temp file is left behind.
    expect(readdirSync(dir).filter((f) => f !== path.basename(stateFile))).toEqual([]);
  }, 300_000);
});
