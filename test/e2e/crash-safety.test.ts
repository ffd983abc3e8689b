// Crash safety on the real engine: pctl deploy is SIGKILLed at random moments of a
// 20-service deploy (some services build from folders whose files change between kills,
// so kills land in builds too); after every kill the state file parses, and deploy +
// destroy afterwards leave nothing labelled behind, images included. Also Ctrl-C and two
// concurrent runs. It runs on an engine of its own: twenty services killed and replaced at
// random moments must not disturb the other files' stacks, and a restart (below) must not
// stop theirs.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateFileSchema } from '@pctl/core';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pctlBin } from '../helpers/cli.js';
import { labelled, removeStack, requireDocker } from '../helpers/docker.js';
import { copyImage, testEngine, type TestEngine } from '../helpers/engine.js';
import { until } from '../helpers/until.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'crash';
const SERVICES = 20;
const TRIALS = Number(process.env.PCTL_CRASH_TRIALS ?? 8);
/** Services s0..s(BUILT-1) build from their own folder, as users' services do. */
const BUILT = 5;
const stack = useStack();
const stateFile = () => stack.path(`pctl.${STACK}.json`);

// The stack file of a generation, and the build folders' files of that generation.
function stackYaml(generation: number): string {
  let y = `name: ${STACK}\nservices:\n`;
  for (let i = 0; i < BUILT; i++) {
    stack.write({
      [`svc${i}/Dockerfile`]: 'FROM busybox:latest\nCOPY src /app\n',
      [`svc${i}/src/gen.txt`]: `generation ${generation} of s${i}\n`,
    });
  }
  for (let i = 0; i < SERVICES; i++) {
    y += `  s${i}:\n    image: ${i < BUILT ? `./svc${i}` : 'busybox:latest'}\n    command: sleep 3600\n    env: { GEN: "${generation}", SHELLY: "$(touch /tmp/pctl-crash-pwned); echo \`id\`" }\n`;
    if (i % 5 === 1) y += `    volumes: [{ path: /data }]\n`;
    if (i > 0 && i % 4 === 0) y += `    dependsOn: [s${i - 1}]\n`;
    y += `    provider: { name: docker }\n`;
  }
  return y;
}

// The state file, if present, must always be complete, valid JSON of the right shape.
function expectStateParses() {
  if (!existsSync(stateFile())) return;
  const raw = JSON.parse(readFileSync(stateFile(), 'utf8'));
  expect(StateFileSchema.safeParse(raw).success).toBe(true);
}

// A SIGKILLed pctl leaves its `docker build` children running as orphans; they end on
// their own. Wait for that, so an image they finish later cannot appear after the check.
async function buildsOfKilledRunsGone(): Promise<void> {
  const running = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .some((pid) => {
        try {
          const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          return argv.includes('build') && argv.includes(`pctl-stack=${STACK}`);
        } catch {
          return false;
        }
      });
  await until(`the builds of killed runs of ${STACK} to end`, () => !running(), { timeoutMs: 60_000 });
}

async function expectNothingLabelled() {
  for (const kind of ['container', 'volume', 'network', 'image'] as const)
    expect(await labelled(kind, STACK), kind).toEqual([]);
}

let engine: TestEngine;
let engineRoot: string;
const sharedHost = process.env.DOCKER_HOST;
beforeAll(async () => {
  await requireDocker();
  engineRoot = mkdtempSync(path.join(tmpdir(), 'pctl-crash-engine-'));
  engine = testEngine(path.join(engineRoot, 'engine'), '10.238.0.0/16');
  await engine.start();
  await copyImage('busybox:latest', engine.host);
  // pctl, and the docker commands of the helpers, reach this file's engine from here on.
  process.env.DOCKER_HOST = engine.host;
}, 180_000);
afterAll(async () => {
  await removeStack(STACK).catch(() => undefined);
  process.env.DOCKER_HOST = sharedHost;
  await engine?.cleanup();
  rmSync(engineRoot, { recursive: true, force: true });
}, 180_000);

// Docker 20.10 can lose count of a network's endpoints when containers join and leave it at
// once (reproduced with plain docker commands; the count is right again only once the engine
// restarts). pctl must then fail its destroy saying so, naming the network and that fix, and
// leave the service's entry; the fix it names must work: restart the engine, destroy again.
async function destroyStack() {
  const first = await stack.pctl(['destroy']);
  const lostCount = new RegExp(
    `^error: network pctl-${STACK} is left: the engine still counts an endpoint on it though no container is attached.*restart the Docker engine`,
    'm',
  );
  if (first.exitCode === 0 || !lostCount.test(first.stderr)) return first;
  expect(first.exitCode).toBe(1);
  expect(await labelled('network', STACK)).toEqual([`pctl-${STACK}`]);
  expect(await labelled('container', STACK)).toEqual([]);
  process.stderr.write(
    `[crash-safety] the engine lost count of pctl-${STACK}'s endpoints; restarting it, as pctl says\n`,
  );
  await engine.stop();
  await engine.start();
  return stack.pctl(['destroy']);
}

describe('crash safety', () => {
  it(`survives SIGKILL at random moments (${TRIALS} trials)`, async () => {
    // Measure one full deploy so kills land across its whole length.
    writeFileSync(stack.path('pctl.yaml'), stackYaml(0));
    const t0 = Date.now();
    const full = await stack.pctl(['deploy', '--concurrency', '4']);
    expect(full.stderr).not.toMatch(/^error/m);
    expect(full.exitCode).toBe(0);
    const fullMs = Date.now() - t0;
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const kills: number[] = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      // Every trial changes the config so the deploy has real work to do.
      writeFileSync(stack.path('pctl.yaml'), stackYaml(trial));
      const child = execa(process.execPath, [pctlBin, 'deploy', '--concurrency', '4'], {
        cwd: stack.dir,
        reject: false,
        env: { NO_COLOR: '1' },
      });
      const delay = Math.floor(rand() * fullMs);
      kills.push(delay);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await child;
      await buildsOfKilledRunsGone();
      expectStateParses();
      if (trial % 4 === 0) {
        // Resume: a deploy must finish the job, and a destroy must leave nothing.
        const resume = await stack.pctl(['deploy']);
        expect(resume.stderr).not.toMatch(/^error/m);
        expect(resume.exitCode).toBe(0);
        expect(await labelled('container', STACK)).toHaveLength(SERVICES);
      }
    }
    const resume = await stack.pctl(['deploy']);
    expect(resume.exitCode).toBe(0);
    expect(await labelled('container', STACK)).toHaveLength(SERVICES);
    const destroy = await destroyStack();
    expect(destroy.stderr).not.toMatch(/^error/m);
    expect(destroy.exitCode).toBe(0);
    await expectNothingLabelled();
    expectStateParses();
    expect(
      Object.values(JSON.parse(readFileSync(stateFile(), 'utf8'))).every(
        (e) => (e as { destroyed?: boolean }).destroyed,
      ),
    ).toBe(true);
    expect(existsSync('/tmp/pctl-crash-pwned')).toBe(false);
    process.stderr.write(
      `[crash-safety] ${TRIALS} SIGKILL trials at ${kills.join(', ')} ms of a ${fullMs} ms deploy; leaks: 0\n`,
    );
  }, 900_000);

  it.each([
    ['SIGINT', 100],
    ['SIGTERM', 150],
  ] as const)(
    'stops cleanly on %s: exit 130, state written, lock released',
    async (signal, generation) => {
      writeFileSync(stack.path('pctl.yaml'), stackYaml(generation));
      // No forced SIGKILL after the signal (execa's default after 5 s): finishing the running
      // steps may take longer on a busy machine, and that is what is under test.
      const child = execa(process.execPath, [pctlBin, 'deploy', '--concurrency', '2'], {
        cwd: stack.dir,
        reject: false,
        env: { NO_COLOR: '1' },
        forceKillAfterDelay: false,
      });
      // Wait until the first service started deploying, then interrupt.
      await new Promise<void>((resolve) => {
        child.stderr!.on('data', (d: Buffer) => {
          if (/updating|creating/.test(d.toString())) resolve();
        });
      });
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(130);
      expect(String(r.stderr)).toMatch(/interrupted/);
      expectStateParses();
      expect(existsSync(`${stateFile()}.lock`)).toBe(false);
      const resume = await stack.pctl(['deploy']);
      expect(resume.exitCode, resume.stderr).toBe(0);
    },
    300_000,
  );

  it('runs two deploys of one stack one after the other, never interleaved', async () => {
    writeFileSync(stack.path('pctl.yaml'), stackYaml(200));
    const [a, b] = await Promise.all([
      stack.pctl(['deploy', '--json', '--lock-timeout', '5m']),
      stack.pctl(['deploy', '--json', '--lock-timeout', '5m']),
    ]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    // One of them waited for the other and then found nothing to do.
    expect(`${a.stderr}\n${b.stderr}`).toMatch(/waiting for the lock: held by pid \d+/);
    const results = [a, b].map((r) => JSON.parse(r.stdout).services.map((s: { result: string }) => s.result));
    const deployedCounts = results.map((rs) => rs.filter((x: string) => x === 'deployed').length).sort();
    expect(deployedCounts).toEqual([0, SERVICES]);
    expect(await labelled('container', STACK)).toHaveLength(SERVICES);
    const destroy = await destroyStack();
    expect(destroy.exitCode, destroy.stderr).toBe(0);
    await expectNothingLabelled();
  }, 300_000);
});
