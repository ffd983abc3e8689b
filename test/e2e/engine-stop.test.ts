// The Docker engine stops (SIGTERM, as `systemctl stop docker`) in the middle of a deploy: the deploy fails with one clear line
// naming the service and the engine, the state file keeps what was done (the finished
// service recorded, the interrupted one pending), and once the engine is back the next
// deploy resumes: the finished service is skipped, the interrupted one deployed.
// Runs on a second private engine, so the shared one keeps serving other tests.
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateFileSchema } from '@pctl/core';
import { pctl, tempDir, writeTree } from '../helpers/cli.js';
import { requireDocker } from '../helpers/docker.js';
import { copyImage, testEngine, type TestEngine } from '../helpers/engine.js';
import { until } from '../helpers/until.js';

const STACK = 'enginestop';
let tmp: ReturnType<typeof tempDir>;
let dir: string;
let engine: TestEngine;
const stateFile = () => path.join(dir, `pctl.${STACK}.json`);
const state = () => StateFileSchema.parse(JSON.parse(readFileSync(stateFile(), 'utf8')));

const yaml = (healthCommand: string) => `name: ${STACK}
services:
  first:
    image: busybox:latest
    command: sleep 3600
    provider: { name: docker }
  second:
    image: busybox:latest
    command: sleep 3600
    dependsOn: [first]
    health: { command: "${healthCommand}", interval: 1, retries: 100 }
    provider: { name: docker, options: { timeout: 240 } }
`;

async function onEngine(args: string[]): Promise<string> {
  const r = await execa('docker', args, { env: { DOCKER_HOST: engine.host } });
  return String(r.stdout).trim();
}
const labelledContainers = async (all = true) =>
  (await onEngine(['ps', ...(all ? ['-a'] : []), '--filter', `label=pctl-stack=${STACK}`, '--format', '{{.Names}}']))
    .split('\n')
    .filter(Boolean)
    .sort();

beforeAll(async () => {
  await requireDocker();
  tmp = tempDir();
  dir = path.join(tmp.dir, 'stack');
  engine = testEngine(path.join(tmp.dir, 'engine'), '10.231.0.0/16');
  await engine.start();
  await copyImage('busybox:latest', engine.host);
}, 180_000);
afterAll(async () => {
  await engine?.cleanup();
  tmp?.cleanup();
}, 120_000);

describe('engine stopped mid-deploy', () => {
  it('fails naming the service and the engine, keeps state, and the next deploy resumes', async () => {
    // `second` never turns healthy, so the deploy is waiting on it when the engine stops.
    writeTree(dir, { 'pctl.yaml': yaml('test -f /tmp/never') });
    const env = { DOCKER_HOST: engine.host };
    const run = pctl(['deploy'], { cwd: dir, env });
    const waitingOnSecond = async () => {
      if (!existsSync(stateFile())) return false;
      const s = state();
      return (
        !!s[`${STACK}-first`] &&
        !s[`${STACK}-first`]!.pending &&
        !!s[`${STACK}-second`]?.pending &&
        (await labelledContainers(false)).includes(`${STACK}-second`)
      );
    };
    await until(`the deploy to record ${STACK}-first and wait on a running ${STACK}-second`, waitingOnSecond, {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    await engine.stop();
    const r = await run;
    expect(r.exitCode).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`${STACK}-second`);
    expect(errors[0]).toContain(`no Docker engine answers at ${engine.host}`);
    expect(r.stderr).toContain('start Docker, or point DOCKER_HOST at a running engine');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const s = state();
    expect(s[`${STACK}-first`]!.pending).toBeUndefined();
    expect(s[`${STACK}-first`]!.fingerprint).toBeTruthy();
    expect(s[`${STACK}-second`]!.pending).toBe(true);

    // A deploy while the engine is down loses nothing and records nothing new.
    const withoutTimes = (st: ReturnType<typeof state>) =>
      Object.fromEntries(Object.entries(st).map(([k, e]) => [k, { ...e, updatedAt: undefined }]));
    const before = withoutTimes(state());
    const down = await pctl(['deploy'], { cwd: dir, env });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain('no Docker engine answers');
    expect(withoutTimes(state())).toEqual(before);

    // Engine back, health fixed: `first` (restarted by its policy) is skipped, `second` deployed.
    await engine.start();
    writeFileSync(path.join(dir, 'pctl.yaml'), yaml('true'));
    const again = await pctl(['deploy', '--json'], { cwd: dir, env });
    expect(again.stderr).not.toMatch(/^error/m);
    expect(again.exitCode).toBe(0);
    const results = Object.fromEntries(
      JSON.parse(again.stdout).services.map((x: { key: string; result: string }) => [x.key, x.result]),
    );
    expect(results).toEqual({ [`${STACK}-first`]: 'skipped', [`${STACK}-second`]: 'deployed' });
    expect(await labelledContainers(false)).toEqual([`${STACK}-first`, `${STACK}-second`]);
    expect(state()[`${STACK}-second`]!.pending).toBeUndefined();

    const d = await pctl(['destroy'], { cwd: dir, env });
    expect(d.exitCode).toBe(0);
    expect(await labelledContainers()).toEqual([]);
    expect(await onEngine(['network', 'ls', '--filter', `label=pctl-stack=${STACK}`, '--format', '{{.Name}}'])).toBe(
      '',
    );
  }, 600_000);
});
