// The lock race the state backends' tests share: many processes, each holding a backend,
// take the lock at the same wall-clock instant, round after round (a fresh lock, and stale
// ones to take over), and exactly one of them wins each round.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';

export interface Child {
  c: ChildProcessWithoutNullStreams;
  /** The next line it prints (or `exited <code>: <stderr>` once it is gone). */
  next(): Promise<string>;
  send(line: string): void;
}

// A node process running `source` as a module; its lines read one at a time. Pushed onto
// `children` so the test's afterAll can kill what is left.
export function spawnChild(
  source: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  children: ChildProcessWithoutNullStreams[],
): Child {
  const c = spawn(process.execPath, ['--input-type=module', '-e', source, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  children.push(c);
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  createInterface({ input: c.stdout }).on('line', (l) => (waiters.length ? waiters.shift()!(l) : lines.push(l)));
  let stderr = '';
  c.stderr.on('data', (d) => (stderr += d));
  c.on('exit', (code) => {
    while (waiters.length) waiters.shift()!(`exited ${code}: ${stderr}`);
  });
  return {
    c,
    next: () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise<string>((r) => waiters.push(r))),
    send: (l: string) => c.stdin.write(l + '\n'),
  };
}

// A taker's source: imports `exported` from the built backend module, makes `backend` with
// `construct` (process.argv[1] is its JSON config), reads once (the SDK loaded) and says
// "ready"; on "go <t>" waits until wall-clock t, takes the lock once (no waiting) and says
// "won" or "lost <code>"; on "release" lets go of what it holds.
export function takerSource(backendModule: string, exported: string, construct: string): string {
  return `
import { ${exported} } from ${JSON.stringify(backendModule)};
import { createInterface } from 'node:readline';
const backend = ${construct};
await backend.read();
console.log('ready');
let held;
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, at] = line.split(' ');
  if (cmd === 'go') {
    // Sleeps until just before t, then spins (16 spinning processes would starve a 2-core machine).
    await new Promise((r) => setTimeout(r, Math.max(0, Number(at) - Date.now() - 10)));
    while (Date.now() < Number(at)) {}
    try { held = await backend.lock({ wait: false, command: 'race' }); console.log('won'); }
    catch (e) { console.log('lost ' + (e.code ?? e.message)); }
  } else if (cmd === 'release') {
    if (held) await held.release();
    held = undefined;
    console.log('released');
  }
}
`;
}

// The pid of a process that has exited: a holder that is gone from this host.
export async function deadPid(): Promise<number> {
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.on('exit', r));
  return dead.pid!;
}

export interface LockRace {
  takers: Child[];
  rounds: number;
  /** How far ahead of now each round starts (every taker must be waiting by then). */
  leadMs: number;
  /** Leaves the lock as round `round` starts from (kind = round % 3: 0 none, 1 and 2 stale ones). */
  seed(round: number, kind: number): void;
  /** Checks the lock names the winner; returns the pid it names. */
  holderPid(round: number, kind: number): number;
  /** True when no lock is left. */
  free(): boolean;
}

// Runs the rounds: each round exactly one taker wins, the lock names it, and after release no lock is left.
export async function raceForLock(r: LockRace): Promise<void> {
  expect(await Promise.all(r.takers.map((t) => t.next()))).toEqual(r.takers.map(() => 'ready'));
  const winners: number[] = [];
  for (let round = 0; round < r.rounds; round++) {
    const kind = round % 3;
    r.seed(round, kind);
    const at = Date.now() + r.leadMs;
    for (const t of r.takers) t.send(`go ${at}`);
    const results = await Promise.all(r.takers.map((t) => t.next()));
    expect(
      results.filter((x) => x !== 'won' && x !== 'lost LockHeld'),
      `round ${round}`,
    ).toEqual([]);
    const won = results.filter((x) => x === 'won').length;
    winners.push(won);
    expect(won, `round ${round} (kind ${kind}): ${results.join(', ')}`).toBe(1);
    expect(r.takers.map((t) => t.c.pid)).toContain(r.holderPid(round, kind));
    for (const t of r.takers) t.send('release');
    expect(await Promise.all(r.takers.map((t) => t.next()))).toEqual(r.takers.map(() => 'released'));
    expect(r.free(), `round ${round}: a lock is left after release`).toBe(true);
  }
  expect(winners).toEqual(Array(r.rounds).fill(1));
  for (const t of r.takers) t.c.stdin.end();
}
