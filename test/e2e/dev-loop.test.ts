// `pctl dev` on the real Docker engine, as a developer uses it: one long-running child
// process. A file a COPY pair covers is synced into the same container; a Dockerfile or
// stack-file change is a rebuild and a new container; a broken Dockerfile is said and the
// loop goes on; `pctl status` works beside it; Ctrl-C leaves the stack running, the lock
// gone and the state true.
import { execa, type ResultPromise } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pctlBin } from '../helpers/cli.js';
import { containerIds, docker, removeStack, requireDocker } from '../helpers/docker.js';
import { until } from '../helpers/until.js';
import { useStack } from '../helpers/stack.js';

const STACK = 'devloop';
const KEY = `${STACK}-app`;
const DOCKERFILE = 'FROM busybox:latest\nCOPY src/ /app/src/\n';
const stack = useStack({
  prefix: 'pctl-devloop-',
  files: {
    'pctl.yaml': [
      `name: ${STACK}`,
      'services:',
      '  app:',
      '    image: ./app',
      '    command: sh -c "echo app started; exec sleep 100000"',
      '    env: { FLAVOUR: plain }',
      '    provider: { name: docker }',
      '',
    ].join('\n'),
    'app/Dockerfile': DOCKERFILE,
    'app/src/page.txt': 'first\n',
  },
});

let child: ResultPromise<{ cwd: string; reject: false; env: Record<string, string> }> | undefined;
let out = '';
let err = '';
const inContainer = async (file: string) =>
  (await execa('docker', ['exec', KEY, 'cat', file], { reject: false })).stdout;
const appId = async () => (await containerIds(STACK))[KEY];
// How many deploys the loop finished so far (the line that ends one).
const finished = () => err.split('\n').filter((l) => /^deployed[ :]|^deploy failed: /.test(l)).length;
// Waits for a condition while the loop runs; a dead loop fails the wait at once, with its output.
const waitFor = <T>(what: string, check: () => T | Promise<T>) =>
  until(what, check, {
    timeoutMs: 90_000,
    giveUpIf: () => (child?.exitCode !== null && child?.exitCode !== undefined ? `pctl dev exited` : undefined),
    detail: () => `stderr:\n${err.slice(-3000)}`,
  });

beforeAll(async () => {
  await requireDocker();
  child = execa(process.execPath, [pctlBin, 'dev'], { cwd: stack.dir, reject: false, env: { NO_COLOR: '1' } });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor('the ready line', () => err.includes('watching app and pctl.yaml for changes'));
}, 120_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await child;
  }
  await removeStack(STACK);
});

describe('pctl dev', () => {
  let id = '';

  it('deploys at the start and streams the logs, holding no lock while it watches', async () => {
    id = (await appId())!;
    expect(id).toBeTruthy();
    await waitFor('the log line', () => out.includes('app/1 | app started'));
    expect(existsSync(stack.path(`pctl.${STACK}.json.lock`))).toBe(false);
    const status = await stack.pctl(['status', '--json']);
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout).status).toEqual([
      expect.objectContaining({ key: KEY, inState: 'deployed', live: expect.objectContaining({ state: 'running' }) }),
    ]);
  });

  it('syncs a file a COPY pair covers into the same container', async () => {
    writeFileSync(stack.path('app/src/page.txt'), 'synced live\n');
    await waitFor(
      'the synced file in the container',
      async () => (await inContainer('/app/src/page.txt')) === 'synced live',
    );
    // The line follows the copy: wait for it rather than reading stderr the moment the file is there.
    await waitFor('the sync line', () => err.includes(`app: synced 1 file to ${KEY}`) || undefined);
    expect(await appId()).toBe(id);
    expect(err).not.toMatch(/deploying \(app/);
  });

  it('rebuilds and replaces the container when the Dockerfile changes', async () => {
    const before = finished();
    writeFileSync(stack.path('app/Dockerfile'), `${DOCKERFILE}RUN echo two > /version\n`);
    await waitFor('the deploy to end', () => finished() > before);
    const next = await waitFor('a new container', async () => {
      const now = await appId();
      return now && now !== id && (await inContainer('/version')) === 'two' ? now : undefined;
    });
    expect(err).toContain('deploying (app: the Dockerfile changed)');
    // The image carries the synced file too: the build is what the files say.
    expect(await inContainer('/app/src/page.txt')).toBe('synced live');
    id = next;
  });

  it('shows a broken build and goes on watching; the fix deploys', async () => {
    writeFileSync(stack.path('app/Dockerfile'), `${DOCKERFILE}RUN echo two > /version\nRUN exit 3\n`);
    await waitFor('the failure', () => /deploy failed: .*\(still watching\)/.test(err));
    expect(child!.exitCode).toBeNull();
    expect(await appId()).toBe(id);
    expect(existsSync(stack.path(`pctl.${STACK}.json.lock`))).toBe(false);
    const before = finished();
    writeFileSync(stack.path('app/Dockerfile'), `${DOCKERFILE}RUN echo three > /version\n`);
    await waitFor('the deploy to end', () => finished() > before);
    id = await waitFor('the fixed build deployed', async () => {
      const now = await appId();
      return now && now !== id && (await inContainer('/version')) === 'three' ? now : undefined;
    });
  });

  it('redeploys when the stack file changes', async () => {
    const before = finished();
    writeFileSync(stack.path('pctl.yaml'), stack.read('pctl.yaml').replace('FLAVOUR: plain', 'FLAVOUR: spicy'));
    await waitFor('the deploy to end', () => finished() > before);
    id = await waitFor('the container with the new env', async () => {
      const now = await appId();
      if (!now || now === id) return undefined;
      const env = await docker(['inspect', '--format', '{{json .Config.Env}}', now]);
      return env.includes('FLAVOUR=spicy') ? now : undefined;
    });
    expect(err).toContain('deploying (the stack file changed)');
  });

  it('says when the stack file breaks and goes on watching; the fix deploys nothing new', async () => {
    const good = stack.read('pctl.yaml');
    let before = finished();
    writeFileSync(stack.path('pctl.yaml'), good.replace('services:', 'services: [oops'));
    await waitFor('the failure', () => finished() > before);
    expect(err).toMatch(/deploy failed: .*pctl\.yaml.*\(still watching\)/);
    before = finished();
    writeFileSync(stack.path('pctl.yaml'), good);
    await waitFor('the deploy to end', () => finished() > before);
    expect(err.trim().split('\n').at(-1)).toBe('deployed: nothing changed');
    expect(await appId()).toBe(id);
  });

  it('stops on Ctrl-C with exit 0: the stack still runs, the lock is gone, the state is true', async () => {
    child!.kill('SIGINT');
    const r = await child!;
    expect(r.exitCode).toBe(0);
    expect(err).toMatch(/dev stopped after \d+ deploys \(2 failed\) and 1 sync/);
    expect(existsSync(stack.path(`pctl.${STACK}.json.lock`))).toBe(false);
    expect(await docker(['inspect', '--format', '{{.State.Running}}', id])).toBe('true');
    const state = JSON.parse(readFileSync(stack.path(`pctl.${STACK}.json`), 'utf8'));
    expect(state[KEY].image).toBe(await docker(['inspect', '--format', '{{.Config.Image}}', id]));
    const plan = await stack.pctl(['plan', '--json']);
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout).services).toEqual([expect.objectContaining({ key: KEY, action: 'unchanged' })]);
  });
  it('--json streams one object per event and the log lines, then the envelope', async () => {
    const json = execa(process.execPath, [pctlBin, 'dev', '--json', '--no-sync'], {
      cwd: stack.dir,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    let stdout = '';
    json.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    await until('the ready event', () => stdout.includes('"event":"watching"'), {
      timeoutMs: 90_000,
      giveUpIf: () => (json.exitCode !== null ? 'pctl dev --json exited' : undefined),
    });
    await until('a log line', () => stdout.includes('"line":"app started"'));
    json.kill('SIGINT');
    const r = await json;
    expect(r.exitCode).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, 3).map((l) => l.event ?? 'log')).toEqual(['deploying', 'deployed', 'watching']);
    expect(lines[1].services).toEqual([expect.objectContaining({ service: 'app', result: 'skipped' })]);
    expect(lines[2].redeployOnly).toEqual([{ service: 'app', why: '--no-sync' }]);
    expect(lines).toContainEqual(expect.objectContaining({ service: 'app', replica: '1', line: 'app started' }));
    expect(lines.at(-1)).toEqual(
      expect.objectContaining({ command: 'dev', ok: true, dev: { deploys: 1, failedDeploys: 0, syncs: 0 } }),
    );
  }, 120_000);
});
